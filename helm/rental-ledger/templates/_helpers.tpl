{{- define "rental-ledger.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rental-ledger.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "rental-ledger.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "rental-ledger.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "api") */}}
{{- define "rental-ledger.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rental-ledger.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "rental-ledger.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "rental-ledger.fullname" .)) }}
{{- end }}

{{- define "rental-ledger.image" -}}
{{- $repository := required "image.repository is required (terraform output ecr_repository_url)" .Values.image.repository }}
{{- printf "%s:%s" $repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The subchart's client Service, named as the NATS chart names it, or nats.url. */}}
{{- define "rental-ledger.natsUrl" -}}
{{- if .Values.nats.url }}
{{- .Values.nats.url }}
{{- else if .Values.nats.enabled }}
{{- $service := ternary .Release.Name (printf "%s-nats" .Release.Name) (contains "nats" .Release.Name) }}
{{- printf "nats://%s:4222" ($service | trunc 63 | trimSuffix "-") }}
{{- else }}
{{- fail "set nats.url, or nats.enabled=true for the bundled NATS: the relay and the projection workers need JetStream" }}
{{- end }}
{{- end }}

{{/* The bundled NATS chart's pods, by the labels that chart gives them. */}}
{{- define "rental-ledger.natsSelectorLabels" -}}
app.kubernetes.io/name: nats
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: nats
{{- end }}

{{/*
Environment of a container: (dict "root" $ "nats" true "extra" (dict "WORKERS" "off")).
Numbers are rendered as integers: Helm reads values as floats and would print 1e+08.
*/}}
{{- define "rental-ledger.env" -}}
{{- $root := .root -}}
- name: NODE_ENV
  value: production
{{- range $name, $value := $root.Values.settings }}
- name: {{ $name }}
  value: {{ ternary (int64 $value) $value (kindIs "float64" $value) | toString | quote }}
{{- end }}
{{- range $name, $value := .extra }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- if .nats }}
- name: NATS_URL
  value: {{ include "rental-ledger.natsUrl" $root | quote }}
{{- if $root.Values.natsAuth.enabled }}
- name: NATS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.natsAuth.secretName }}
      key: NATS_TOKEN
{{- end }}
{{- if $root.Values.workerHealth.enabled }}
- name: {{ $root.Values.workerHealth.env }}
  value: {{ $root.Values.workerHealth.port | int64 | toString | quote }}
# The kubelet and Prometheus reach the listener at the pod's address.
- name: HOST
  value: "0.0.0.0"
{{- end }}
{{- end }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "rental-ledger.secretName" $root }}
      key: DATABASE_URL
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "rental-ledger.secretName" $root }}
      key: JWT_SECRET
{{- end }}

{{/*
A pod template spec: (dict "root" $ "component" "relay" "args" (list "relay") "nats" true
"values" .Values.relay "http" false "restartPolicy" "Always"). The root filesystem is read-only:
the service writes nothing with DATABASE_URL set, and /tmp is an emptyDir for the runtime.
*/}}
{{- define "rental-ledger.podSpec" -}}
{{- $root := .root -}}
{{- $v := .values -}}
automountServiceAccountToken: false
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- with $v.terminationGracePeriodSeconds }}
terminationGracePeriodSeconds: {{ . }}
{{- end }}
restartPolicy: {{ .restartPolicy | default "Always" }}
containers:
  - name: {{ .component }}
    image: {{ include "rental-ledger.image" $root }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args: {{ toJson .args }}
    env:
      {{- include "rental-ledger.env" (dict "root" $root "nats" .nats "extra" .extra) | nindent 6 }}
    {{- if .http }}
    ports:
      - name: http
        containerPort: 3000
        protocol: TCP
    # Liveness checks the process only; readiness adds the database (and NATS where it is used).
    livenessProbe:
      httpGet:
        path: /healthz
        port: http
      periodSeconds: 10
      timeoutSeconds: 3
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: /readyz
        port: http
      periodSeconds: 5
      timeoutSeconds: 3
      failureThreshold: 2
    startupProbe:
      httpGet:
        path: /healthz
        port: http
      periodSeconds: 2
      failureThreshold: 30
    {{- with $v.preStopSleepSeconds }}
    lifecycle:
      preStop:
        exec:
          command: ["sleep", "{{ . }}"]
    {{- end }}
    {{- else if and .nats $root.Values.workerHealth.enabled }}
    ports:
      - name: health
        containerPort: {{ $root.Values.workerHealth.port }}
        protocol: TCP
    # The process's own listener: liveness is the process, readiness its work (a stalled worker
    # or a relay that cannot publish is unready).
    livenessProbe:
      httpGet:
        path: /healthz
        port: health
      periodSeconds: 10
      timeoutSeconds: 3
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: /readyz
        port: health
      periodSeconds: 10
      timeoutSeconds: 3
      failureThreshold: 3
    {{- end }}
    securityContext:
      {{- toYaml $root.Values.securityContext | nindent 6 }}
    resources:
      {{- toYaml $v.resources | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
{{- if and $root.Values.topologySpread (ne (.restartPolicy | default "Always") "Never") }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "rental-ledger.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
{{- end }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Pod template metadata: (dict "root" $ "component" "api" "values" .Values.api "annotations" (dict)) */}}
{{- define "rental-ledger.podMetadata" -}}
labels:
  {{- include "rental-ledger.labels" .root | nindent 2 }}
  app.kubernetes.io/component: {{ .component }}
annotations:
  # Rolls the pods when the chart-managed Secret changes.
  checksum/secrets: {{ printf "%s|%s" .root.Values.secrets.databaseUrl .root.Values.secrets.jwtSecret | sha256sum }}
  {{- with .annotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- with .values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
