//go:build tools

// Package tools pins the flytectl main package as a dependency of this
// wrapper module so `go mod tidy` keeps everything it needs.
package tools

import _ "github.com/flyteorg/flyte/flytectl"
