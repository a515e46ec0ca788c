//go:build tools

// Package tools pins the FerretDB server (v1.24.0, SQLite backend) as a build dependency, so
// scripts/ferretdb-server.sh can build it with `go build` from the module proxy: `go install
// ...@v1.24.x` is not usable here and a build from this module avoids FerretDB's version.txt check.
package tools

import _ "github.com/FerretDB/FerretDB/cmd/ferretdb"
