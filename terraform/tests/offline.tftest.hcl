# `terraform test` with a mocked AWS provider: plans the whole configuration offline (no account,
# no credentials) and checks what a fresh install depends on. test/delivery/terraform.test.ts runs it.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  region                        = "eu-west-1"
  github_repository             = "example/rental-ledger"
  cluster_endpoint_public_cidrs = ["203.0.113.0/24"]
}

run "auto_mode_cluster" {
  command = plan

  assert {
    condition     = aws_eks_cluster.main.compute_config[0].enabled && aws_eks_cluster.main.storage_config[0].block_storage[0].enabled && aws_eks_cluster.main.kubernetes_network_config[0].elastic_load_balancing[0].enabled
    error_message = "EKS Auto Mode: compute, block storage and load balancing are all on"
  }

  assert {
    condition     = aws_eks_cluster.main.bootstrap_self_managed_addons == false
    error_message = "Auto Mode brings its own networking add-ons"
  }

  assert {
    condition     = toset(aws_eks_cluster.main.vpc_config[0].public_access_cidrs) == toset(["203.0.113.0/24"]) && aws_eks_cluster.main.vpc_config[0].endpoint_public_access
    error_message = "the public endpoint answers the given CIDRs only"
  }
}

run "database_forces_tls_and_is_watched" {
  command = plan

  assert {
    condition     = one([for p in aws_db_parameter_group.main.parameter : p.value if p.name == "rds.force_ssl"]) == "1"
    error_message = "rds.force_ssl = 1"
  }

  assert {
    condition     = aws_cloudwatch_log_group.rds.retention_in_days == 90 && aws_cloudwatch_log_group.eks.retention_in_days == 90
    error_message = "both log groups keep 90 days by default"
  }

  assert {
    condition     = aws_cloudwatch_log_group.rds.name == "/aws/rds/instance/${aws_db_instance.main.identifier}/postgresql"
    error_message = "the RDS log group is the one RDS exports to"
  }

  assert {
    condition     = aws_cloudwatch_log_group.eks.name == "/aws/eks/${aws_eks_cluster.main.name}/cluster"
    error_message = "the EKS log group is the one the control plane writes to"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.db) >= 4 && alltrue([for a in aws_cloudwatch_metric_alarm.db : a.namespace == "AWS/RDS" && a.dimensions.DBInstanceIdentifier == aws_db_instance.main.identifier])
    error_message = "RDS alarms on this instance"
  }
}

run "no_public_endpoint" {
  command = plan

  variables {
    cluster_endpoint_public_cidrs = []
  }

  assert {
    condition     = aws_eks_cluster.main.vpc_config[0].endpoint_public_access == false
    error_message = "an empty list turns the public endpoint off"
  }
}

run "the_whole_internet_is_refused" {
  command = plan

  variables {
    cluster_endpoint_public_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.cluster_endpoint_public_cidrs]
}
