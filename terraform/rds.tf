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

  # TLS or nothing: the server refuses an unencrypted connection (DATABASE_URL uses
  # sslmode=verify-full with the RDS CA bundle the image carries).
  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "pending-reboot"
  }
}

# Made before the instance, so that RDS exports into a group whose retention Terraform sets.
resource "aws_cloudwatch_log_group" "rds" {
  name              = "/aws/rds/instance/${local.cluster_name}/postgresql"
  retention_in_days = var.log_retention_days
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

  depends_on = [aws_cloudwatch_log_group.rds]

  lifecycle {
    precondition {
      condition     = var.db_max_allocated_storage_gb >= var.db_allocated_storage_gb
      error_message = "db_max_allocated_storage_gb must be at least db_allocated_storage_gb."
    }
  }
}

# Alarms on what stops the service: CPU, storage, memory, connections, replication of Multi-AZ
# writes. Each notifies the SNS topic (var.alarm_email subscribes an address to it).
resource "aws_sns_topic" "alarms" {
  name = "${local.cluster_name}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  db_alarms = {
    cpu-high = {
      metric      = "CPUUtilization"
      comparison  = "GreaterThanThreshold"
      threshold   = 80
      description = "CPU above 80 % for 15 minutes"
    }
    storage-low = {
      metric      = "FreeStorageSpace"
      comparison  = "LessThanThreshold"
      threshold   = var.db_allocated_storage_gb * 1073741824 * 0.1
      description = "less than 10 % of the allocated storage free (autoscaling may be at its maximum)"
    }
    memory-low = {
      metric      = "FreeableMemory"
      comparison  = "LessThanThreshold"
      threshold   = 256 * 1048576
      description = "less than 256 MiB of freeable memory"
    }
    connections-high = {
      metric      = "DatabaseConnections"
      comparison  = "GreaterThanThreshold"
      threshold   = var.db_alarm_max_connections
      description = "more connections than the pools of every replica should open"
    }
    write-latency-high = {
      metric      = "WriteLatency"
      comparison  = "GreaterThanThreshold"
      threshold   = 0.05
      description = "writes (appends to the event log) slower than 50 ms"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "db" {
  for_each = local.db_alarms

  alarm_name          = "${local.cluster_name}-db-${each.key}"
  alarm_description   = "${aws_db_instance.main.identifier}: ${each.value.description}"
  namespace           = "AWS/RDS"
  metric_name         = each.value.metric
  dimensions          = { DBInstanceIdentifier = aws_db_instance.main.identifier }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
