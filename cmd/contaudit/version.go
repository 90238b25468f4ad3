package main

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
)

// version is set at link time by make (-X main.version=...).
var version = "dev"

func init() {
	register(&command{
		name:     "version",
		summary:  "Print contaudit's version.",
		examples: "  contaudit version",
		run: func(ctx context.Context, fs *flag.FlagSet) error {
			v := version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v = "dev-" + s.Value[:12]
					}
				}
			}
			fmt.Println("contaudit", v)
			return nil
		},
	})
}
