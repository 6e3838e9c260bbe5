// Package e2e proves the cors module in a real browser. Its tests start a
// Caddy built from this repository and headless Chromium, load a page from
// one origin and let the page's script call an API on another, as users'
// pages do. The package has tests only; see README.md, "Browser tests".
package e2e
