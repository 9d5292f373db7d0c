// Package docs holds eksemu's user documentation that can be executed: the
// GitHub Actions recipe (github-actions.yml, explained in ci.md) is parsed and
// its eksemu steps are run by this package's test.
package docs
