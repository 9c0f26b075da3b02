# What the cluster needs inside Kubernetes before the chart can install, applied with kubectl once
# the cluster exists and again whenever a file in cluster/ changes: the StorageClass of the EBS
# volumes, the IngressClass of the ALB (Auto Mode makes neither) and the switch that has Auto Mode
# enforce NetworkPolicies. Needs the AWS CLI and kubectl where Terraform runs (GitHub's runners
# have both); the identity running Terraform is a cluster administrator (the creator, and the
# infra-apply role below).

resource "terraform_data" "cluster_manifests" {
  triggers_replace = {
    cluster = aws_eks_cluster.main.arn
    files   = sha256(join(",", [for f in sort(fileset("${path.module}/cluster", "*.yaml")) : filesha256("${path.module}/cluster/${f}")]))
  }

  provisioner "local-exec" {
    interpreter = ["/bin/bash", "-c"]
    command     = <<-EOT
      set -euo pipefail
      kubeconfig="$(mktemp)"
      trap 'rm -f "$kubeconfig"' EXIT
      aws eks update-kubeconfig --name "$CLUSTER" --region "$REGION" --kubeconfig "$kubeconfig"
      kubectl --kubeconfig "$kubeconfig" apply --server-side -f "$MANIFESTS"
    EOT
    environment = {
      CLUSTER   = aws_eks_cluster.main.name
      REGION    = var.region
      MANIFESTS = "${path.module}/cluster"
    }
  }

  depends_on = [aws_eks_access_policy_association.infra_apply]
}

# infra.yml's apply role administers the cluster too (it applies cluster/ above).
resource "aws_eks_access_entry" "infra_apply" {
  cluster_name  = aws_eks_cluster.main.name
  principal_arn = aws_iam_role.github["infra-apply"].arn
}

resource "aws_eks_access_policy_association" "infra_apply" {
  cluster_name  = aws_eks_cluster.main.name
  principal_arn = aws_eks_access_entry.infra_apply.principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}
