// Package kubernetes checks the Kustomize manifests beside it without a
// cluster: it renders a kustomization with kustomize's own library,
// decodes every document strictly into the typed k8s.io/api objects
// (unknown and duplicate fields refused), and cross-checks what a cluster
// would only find out at run time: selectors that match no pod, probes and
// Services naming ports no container has, unpinned images, references to
// Secrets and ConfigMaps that nobody defines, and dashboard panels on
// metrics the code does not export.
//
// It is a module of its own (deploy/kubernetes/go.mod) so that the main
// module does not carry the Kubernetes libraries; it must never import the
// main module's packages: it reads their source as text.
package kubernetes
