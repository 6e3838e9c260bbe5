package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// bidi is a WebDriver BiDi connection (https://w3c.github.io/webdriver-bidi/):
// commands go out as JSON with an id, and the answer with the same id comes
// back in any order. It knows no command; its callers do.
type bidi struct {
	conn *websocket.Conn

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan bidiAnswer
	err     error // why the connection ended; set once
}

// bidiAnswer is a command's answer; messages without an id are events, which
// these tests do not subscribe to.
type bidiAnswer struct {
	ID      *int            `json:"id"`
	Type    string          `json:"type"` // success, error or event
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

func dialBiDi(ctx context.Context, url string) (*bidi, error) {
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(64 << 20) // screenshots
	c := &bidi{conn: conn, waiting: map[int]chan bidiAnswer{}}
	go c.read()
	return c, nil
}

func (c *bidi) read() {
	for {
		_, msg, err := c.conn.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.err = fmt.Errorf("WebDriver BiDi connection: %w", err)
			for _, ch := range c.waiting {
				close(ch)
			}
			c.waiting = nil
			c.mu.Unlock()
			return
		}
		var a bidiAnswer
		if err := json.Unmarshal(msg, &a); err != nil || a.ID == nil {
			continue
		}
		c.mu.Lock()
		if ch, ok := c.waiting[*a.ID]; ok {
			ch <- a
			delete(c.waiting, *a.ID)
		}
		c.mu.Unlock()
	}
}

// call sends the command and decodes its result into result, if not nil.
func (c *bidi) call(ctx context.Context, method string, params, result any) error {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.nextID++
	id := c.nextID
	answer := make(chan bidiAnswer, 1)
	c.waiting[id] = answer
	c.mu.Unlock()

	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return err
	}
	if err := c.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case a, ok := <-answer:
		if !ok {
			return c.err
		}
		if a.Type == "error" {
			return fmt.Errorf("%s: %s: %s", method, a.Error, a.Message)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(a.Result, result)
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (c *bidi) close() { c.conn.CloseNow() }
