// Package e2e proves the cors module in real browsers: Chromium, Firefox and
// WebKit. Its tests start a Caddy built from this repository and each
// browser, load a page from one origin and let the page's script call an API
// on another, as users' pages do. It is a Go module of its own, so that the
// browser drivers stay out of the module's dependencies. The package has
// tests only; see README.md, "Browser tests".
package e2e
