{{/* Name of the release's resources, at most 63 characters as Kubernetes names allow. */}}
{{- define "cortexprior.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cortexprior.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cortexprior
{{- end -}}

{{/* Selector labels of one component; call with (dict "root" $ "component" "predictor"). */}}
{{- define "cortexprior.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "cortexprior.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cortexprior.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cortexprior.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Pod-level settings every workload shares. */}}
{{- define "cortexprior.podSpecCommon" -}}
serviceAccountName: {{ include "cortexprior.serviceAccountName" . }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Environment of every cortexprior container: where Kafka is, the metrics endpoint, the
     properties file and DJL's offline settings. */}}
{{- define "cortexprior.env" -}}
- name: CORTEXPRIOR_BOOTSTRAP_SERVERS
  value: {{ .Values.kafka.bootstrapServers | quote }}
- name: CORTEXPRIOR_METRICS_HOST
  value: "0.0.0.0"
- name: CORTEXPRIOR_METRICS_PORT
  value: {{ .Values.metricsPort | quote }}
- name: CORTEXPRIOR_STATE_DIR
  value: /var/lib/cortexprior/state
- name: CORTEXPRIOR_CONFIG
  value: /etc/cortexprior/cortexprior.properties
- name: JAVA_TOOL_OPTIONS
  value: {{ printf "%s -Djava.io.tmpdir=/tmp" .Values.javaOpts | quote }}
- name: DJL_OFFLINE
  value: "true"
- name: OPT_OUT_TRACKING
  value: "true"
- name: DJL_CACHE_DIR
  value: /var/cache/cortexprior/djl
{{- end -}}

{{- define "cortexprior.envFrom" -}}
{{- if .Values.kafka.credentialsSecret }}
envFrom:
  - secretRef:
      name: {{ .Values.kafka.credentialsSecret }}
{{- end }}
{{- end -}}

{{/* Arguments that come before a command's own arguments. */}}
{{- define "cortexprior.commonArgs" -}}
- "--bootstrap-servers=$(CORTEXPRIOR_BOOTSTRAP_SERVERS)"
- "--metrics-port=$(CORTEXPRIOR_METRICS_PORT)"
{{- end -}}

{{- define "cortexprior.volumeMounts" -}}
- name: config
  mountPath: /etc/cortexprior
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: djl-cache
  mountPath: /var/cache/cortexprior/djl
{{- end -}}

{{- define "cortexprior.volumes" -}}
- name: config
  configMap:
    name: {{ include "cortexprior.fullname" . }}-config
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.scratch.tmpSizeLimit }}
- name: djl-cache
  emptyDir:
    sizeLimit: {{ .Values.scratch.djlCacheSizeLimit }}
{{- end -}}

{{- define "cortexprior.metricsPort" -}}
- name: metrics
  containerPort: {{ .Values.metricsPort }}
  protocol: TCP
{{- end -}}

{{- define "cortexprior.probes" -}}
readinessProbe:
  httpGet:
    path: /health
    port: metrics
  periodSeconds: 10
  failureThreshold: 3
livenessProbe:
  httpGet:
    path: /health
    port: metrics
  initialDelaySeconds: 60
  periodSeconds: 20
  failureThreshold: 6
{{- end -}}
