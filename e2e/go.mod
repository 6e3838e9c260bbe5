module github.com/seed-41134e10/caddy-cors/e2e

go 1.26.0

require (
	github.com/chromedp/cdproto v0.159.0
	github.com/chromedp/chromedp v0.23.0
	github.com/coder/websocket v1.8.15
)

require github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect

require github.com/seed-41134e10/caddy-cors v0.0.0

replace github.com/seed-41134e10/caddy-cors => ../
