# What the chart and the workflows need; nothing secret. The database password stays in Secrets
# Manager: db_master_user_secret_arn only says where (README, Deployment, builds DATABASE_URL).

output "region" {
  description = "AWS region (repository variable AWS_REGION)."
  value       = var.region
}

output "cluster_name" {
  description = "EKS cluster name (repository variable EKS_CLUSTER_NAME; aws eks update-kubeconfig --name)."
  value       = aws_eks_cluster.main.name
}

output "cluster_endpoint" {
  description = "EKS API server endpoint."
  value       = aws_eks_cluster.main.endpoint
}

output "vpc_id" {
  description = "VPC id (the AWS Load Balancer Controller's vpcId value)."
  value       = aws_vpc.main.id
}

output "private_subnet_ids" {
  description = "Private subnets: nodes, pods and the database."
  value       = aws_subnet.private[*].id
}

output "private_subnet_cidrs" {
  description = "Private subnet CIDR blocks, where RDS is (chart value networkPolicy.databaseCIDRs)."
  value       = aws_subnet.private[*].cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets: the internet-facing ALB and the NAT gateways."
  value       = aws_subnet.public[*].id
}

output "ecr_repository_url" {
  description = "Image repository (chart value image.repository; repository variable ECR_REPOSITORY_URL)."
  value       = aws_ecr_repository.app.repository_url
}

output "db_endpoint" {
  description = "PostgreSQL host:port for DATABASE_URL."
  value       = aws_db_instance.main.endpoint
}

output "db_name" {
  description = "Database name for DATABASE_URL."
  value       = aws_db_instance.main.db_name
}

output "db_master_user_secret_arn" {
  description = "Secrets Manager secret holding the master credentials (its ARN, not its value)."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "github_release_build_role_arn" {
  description = "Role release.yml's image job assumes (repository variable AWS_RELEASE_BUILD_ROLE_ARN)."
  value       = aws_iam_role.github["release-build"].arn
}

output "github_release_role_arn" {
  description = "Role release.yml's deploy job assumes (repository variable AWS_RELEASE_ROLE_ARN)."
  value       = aws_iam_role.github["release"].arn
}

output "github_infra_plan_role_arn" {
  description = "Role infra.yml's plan assumes (repository variable AWS_INFRA_PLAN_ROLE_ARN)."
  value       = aws_iam_role.github["infra-plan"].arn
}

output "github_infra_apply_role_arn" {
  description = "Role infra.yml's apply assumes (repository variable AWS_INFRA_APPLY_ROLE_ARN)."
  value       = aws_iam_role.github["infra-apply"].arn
}

output "alarm_topic_arn" {
  description = "SNS topic the RDS alarms notify (subscribe more endpoints to it)."
  value       = aws_sns_topic.alarms.arn
}
