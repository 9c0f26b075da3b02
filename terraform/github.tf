# GitHub Actions reach AWS through OIDC: no stored keys. Each role trusts some kinds of workflow
# run of var.github_repository, by the token's subject:
#   release-build  repo:OWNER/NAME:ref:refs/tags/v*             push the scanned image to ECR
#   release        repo:OWNER/NAME:environment:production       deploy with Helm, after approval
#   infra-plan     repo:OWNER/NAME:pull_request, ...:ref:refs/heads/main   read-only plan
#   infra-apply    repo:OWNER/NAME:environment:infrastructure   apply the reviewed plan

locals {
  github_oidc_url = "token.actions.githubusercontent.com"
  github_oidc_arn = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.github_oidc_url}"
  github_subjects = {
    release-build = ["repo:${var.github_repository}:ref:refs/tags/v*"]
    release       = ["repo:${var.github_repository}:environment:production"]
    infra-plan    = ["repo:${var.github_repository}:pull_request", "repo:${var.github_repository}:ref:refs/heads/main"]
    infra-apply   = ["repo:${var.github_repository}:environment:infrastructure"]
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc_url}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS trusts GitHub's certificate authority itself; the field is still required by the API.
  thumbprint_list = [
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
  ]
}

data "aws_iam_policy_document" "github_trust" {
  for_each = local.github_subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_url}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "${local.github_oidc_url}:sub"
      values   = each.value
    }
  }
}

resource "aws_iam_role" "github" {
  for_each = local.github_subjects

  name                 = "${local.cluster_name}-github-${each.key}"
  assume_role_policy   = data.aws_iam_policy_document.github_trust[each.key].json
  max_session_duration = 7200
}

# The image: push to this one repository, nothing else.
data "aws_iam_policy_document" "release_build" {
  statement {
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [aws_ecr_repository.app.arn]
  }
}

resource "aws_iam_role_policy" "release_build" {
  name   = "release-build"
  role   = aws_iam_role.github["release-build"].id
  policy = data.aws_iam_policy_document.release_build.json
}

# The deploy: find the cluster.
data "aws_iam_policy_document" "release" {
  statement {
    actions   = ["eks:DescribeCluster"]
    resources = [aws_eks_cluster.main.arn]
  }
}

resource "aws_iam_role_policy" "release" {
  name   = "release"
  role   = aws_iam_role.github["release"].id
  policy = data.aws_iam_policy_document.release.json
}

# Inside the cluster the release may edit its own namespace only (Helm keeps its state there).
resource "aws_eks_access_entry" "release" {
  cluster_name  = aws_eks_cluster.main.name
  principal_arn = aws_iam_role.github["release"].arn
}

resource "aws_eks_access_policy_association" "release" {
  cluster_name  = aws_eks_cluster.main.name
  principal_arn = aws_eks_access_entry.release.principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"

  access_scope {
    type       = "namespace"
    namespaces = [var.release_namespace]
  }
}

# Terraform plan reads everything and writes only the state lock; apply manages the whole stack.
resource "aws_iam_role_policy_attachment" "infra_plan" {
  role       = aws_iam_role.github["infra-plan"].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy_attachment" "infra_apply" {
  role       = aws_iam_role.github["infra-apply"].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AdministratorAccess"
}

data "aws_iam_policy_document" "state_lock" {
  count = var.state_bucket == "" ? 0 : 1

  statement {
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket}/rental-ledger/terraform.tfstate.tflock"]
  }
}

resource "aws_iam_role_policy" "infra_plan_lock" {
  count = var.state_bucket == "" ? 0 : 1

  name   = "state-lock"
  role   = aws_iam_role.github["infra-plan"].id
  policy = data.aws_iam_policy_document.state_lock[0].json
}
