// Package kubernetes validates the Kustomize manifests beside it.
package kubernetes
