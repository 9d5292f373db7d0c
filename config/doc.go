// Package config turns eksemu's command line and EKSEMU_* environment into one
// Config (aesthetics.md G11). Every flag has an environment twin; a flag given on
// the command line wins over the environment, which wins over the default.
package config
