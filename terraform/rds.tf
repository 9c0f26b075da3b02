# PostgreSQL 15 on RDS: Multi-AZ, encrypted, in the private subnets, reachable only from the
# cluster. The master password is generated and kept by RDS in Secrets Manager
# (manage_master_user_password): it is in no Terraform variable, output or plan.

resource "aws_db_subnet_group" "main" {
  name       = local.cluster_name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_security_group" "db" {
  name        = "${local.cluster_name}-db"
  description = "PostgreSQL from the EKS cluster only"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "db_from_cluster" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the cluster's pods and nodes"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
}

resource "aws_db_parameter_group" "main" {
  name   = "${local.cluster_name}-pg15"
  family = "postgres15"

  # Bounds a forgotten transaction, which would hold back the log reader (DESIGN.md).
  parameter {
    name  = "idle_in_transaction_session_timeout"
    value = "60000"
  }
}

resource "aws_db_instance" "main" {
  identifier     = local.cluster_name
  engine         = "postgres"
  engine_version = "15"
  instance_class = var.db_instance_class

  db_name                     = "ledger"
  username                    = "ledger_admin"
  manage_master_user_password = true

  allocated_storage     = var.db_allocated_storage_gb
  max_allocated_storage = var.db_max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true

  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.db.id]
  parameter_group_name   = aws_db_parameter_group.main.name
  publicly_accessible    = false

  backup_retention_period    = var.db_backup_retention_days
  copy_tags_to_snapshot      = true
  deletion_protection        = var.db_deletion_protection
  skip_final_snapshot        = false
  final_snapshot_identifier  = "${local.cluster_name}-final"
  auto_minor_version_upgrade = true

  performance_insights_enabled    = true
  enabled_cloudwatch_logs_exports = ["postgresql"]

  lifecycle {
    precondition {
      condition     = var.db_max_allocated_storage_gb >= var.db_allocated_storage_gb
      error_message = "db_max_allocated_storage_gb must be at least db_allocated_storage_gb."
    }
  }
}
