variable "region" {
  description = "AWS region for every resource, e.g. eu-west-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "name" {
  description = "Name prefix of every resource; also the ECR repository name."
  type        = string
  default     = "rental-ledger"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name, part of the cluster and database names (production, staging)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters, digits or dashes."
  }
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; split into one public and one private subnet per AZ."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be an IPv4 CIDR block of /20 or larger."
  }
}

variable "az_count" {
  description = "Availability zones to span (RDS Multi-AZ and the ALB need at least 2)."
  type        = number
  default     = 3

  # The subnet layout (network.tf) holds up to 3 zones: public /20s, then three private /18s.
  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all private subnets (cheaper) instead of one per AZ (survives an AZ loss)."
  type        = bool
  default     = false
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.33"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.33."
  }
}

variable "cluster_endpoint_public_cidrs" {
  description = "CIDR blocks allowed to reach the public EKS API endpoint: the operators' and the deploying runners' egress addresses (GitHub larger runners with static IPs, or a NAT of your own). Empty: no public endpoint; deploy from a self-hosted runner in the VPC (repository variable DEPLOY_RUNNER)."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.cluster_endpoint_public_cidrs : can(cidrnetmask(c))])
    error_message = "cluster_endpoint_public_cidrs must be IPv4 CIDR blocks."
  }

  validation {
    condition     = alltrue([for c in var.cluster_endpoint_public_cidrs : tonumber(split("/", c)[1]) >= 8])
    error_message = "cluster_endpoint_public_cidrs must name networks, not the whole internet (no prefix shorter than /8)."
  }
}

variable "db_instance_class" {
  description = "RDS instance class of the PostgreSQL database."
  type        = string
  default     = "db.m6g.large"

  validation {
    condition     = startswith(var.db_instance_class, "db.")
    error_message = "db_instance_class must be an RDS instance class such as db.m6g.large."
  }
}

variable "db_allocated_storage_gb" {
  description = "Initial RDS storage in GiB; storage autoscaling grows it up to db_max_allocated_storage_gb."
  type        = number
  default     = 50

  validation {
    condition     = var.db_allocated_storage_gb >= 20 && var.db_allocated_storage_gb <= 65536
    error_message = "db_allocated_storage_gb must be between 20 and 65536."
  }
}

variable "db_max_allocated_storage_gb" {
  description = "Upper bound of RDS storage autoscaling in GiB."
  type        = number
  default     = 500

  validation {
    condition     = var.db_max_allocated_storage_gb >= 20 && var.db_max_allocated_storage_gb <= 65536
    error_message = "db_max_allocated_storage_gb must be between 20 and 65536."
  }
}

variable "db_backup_retention_days" {
  description = "Days of automated RDS backups (point-in-time recovery window)."
  type        = number
  default     = 14

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 1 and 35."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (turn off deliberately before a destroy)."
  type        = bool
  default     = true
}

variable "github_repository" {
  description = "The GitHub repository (owner/name) whose workflows may assume the deployment roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub Actions OIDC provider; false when the account already has one (there is one per account)."
  type        = bool
  default     = true
}

variable "release_namespace" {
  description = "Kubernetes namespace the release workflow deploys into (its access is limited to it)."
  type        = string
  default     = "rental-ledger"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.release_namespace))
    error_message = "release_namespace must be a Kubernetes namespace name."
  }
}

variable "state_bucket" {
  description = "The S3 bucket holding this configuration's state (made beforehand), for the plan role's lock file; empty to skip."
  type        = string
  default     = ""

  validation {
    condition     = var.state_bucket == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket))
    error_message = "state_bucket must be an S3 bucket name."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the EKS control plane's and RDS's logs."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ... 3653)."
  }
}

variable "alarm_email" {
  description = "An address the RDS alarms are sent to (it confirms the subscription once); empty for none."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an email address or empty."
  }
}

variable "db_alarm_max_connections" {
  description = "Connections to the database above which an alarm fires (the sum of every pod's DB_POOL_MAX, with room)."
  type        = number
  default     = 200

  validation {
    condition     = var.db_alarm_max_connections >= 10
    error_message = "db_alarm_max_connections must be at least 10."
  }
}
