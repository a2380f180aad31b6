package edgehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bearer"
)

// Options configure a Client.
type Options struct {
	// Locate gives an edge's base URL from its latest status ("" when
	// the edge announces none); ok is false for an edge without a status.
	Locate func(edge string) (base string, ok bool)
	// Token is the bearer token of the edges' HTTP APIs (a secret: never
	// logged, never in an error). Empty: every Get fails, saying so.
	Token string
	// ConnectTimeout bounds reaching an edge (default 5s).
	ConnectTimeout time.Duration
	// AnswerTimeout bounds the wait for an edge's status line and headers
	// once asked (default 60s). The body is never timed out: the caller's
	// context ends it.
	AnswerTimeout time.Duration
	// Metrics, when set, receives argus_edge_http_requests_total.
	Metrics prometheus.Registerer
	Log     zerolog.Logger
}

// Client fetches from the edges' HTTP APIs.
type Client struct {
	opts     Options
	hc       *http.Client
	log      zerolog.Logger
	requests *prometheus.CounterVec
}

// Forwarded are the request headers passed on to an edge: ranges and
// conditional requests, so a <video> can seek and a browser revalidate.
var Forwarded = []string{"Range", "If-Range", "If-Modified-Since", "If-None-Match"}

// New builds a Client.
func New(opts Options) *Client {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if opts.AnswerTimeout <= 0 {
		opts.AnswerTimeout = 60 * time.Second
	}
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.AnswerTimeout,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true, // video: and byte ranges must stay the file's
	}
	c := &Client{opts: opts, log: opts.Log.With().Str("component", "edgehttp").Logger(),
		hc: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "argus_edge_http_requests_total",
			Help: "Requests from the gateway to the edges' HTTP APIs (recordings, clips) by outcome: ok (2xx/3xx/4xx answered by the edge), refused (the edge refused the token), failed (5xx), unreachable, timeout."}, []string{"outcome"}),
	}
	if opts.Metrics != nil {
		opts.Metrics.MustRegister(c.requests)
	}
	return c
}

// Error is why an edge's answer could not be had: Status is what the
// gateway answers its caller (502, or 504 for a timeout).
type Error struct {
	Edge   string
	Status int
	Msg    string
}

// Error says which edge and why; it never carries the token.
func (e *Error) Error() string { return "edge " + e.Edge + ": " + e.Msg }

// Get asks edge for path (which may carry a query), passing on the
// headers of in named by Forwarded. The edge's own answers (2xx, 304, 4xx
// but 401/403) are returned as they are, for the caller to stream and
// close; anything else is an *Error.
func (c *Client) Get(ctx context.Context, edge, path string, in http.Header) (*http.Response, error) {
	base, err := c.base(edge)
	if err != nil {
		c.requests.WithLabelValues("unreachable").Inc()
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, &Error{Edge: edge, Status: http.StatusBadGateway, Msg: "bad request URL: " + err.Error()}
	}
	for _, h := range Forwarded {
		if v := in.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set("Authorization", bearer.Header(c.opts.Token))
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.failed(edge, base, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		resp.Body.Close()
		c.requests.WithLabelValues("refused").Inc()
		c.log.Error().Str("edge", edge).Str("url", base).Int("status", resp.StatusCode).Msg("the edge refused the gateway's token: check edge_http.token_env against the edge's edge.http_token_env")
		return nil, &Error{Edge: edge, Status: http.StatusBadGateway, Msg: fmt.Sprintf("refused the gateway's token (%d): the gateway's edge_http.token_env does not hold the edge's edge.http_token_env", resp.StatusCode)}
	case resp.StatusCode >= 500 || (resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified && resp.StatusCode < 400):
		msg := Message(resp)
		c.requests.WithLabelValues("failed").Inc()
		c.log.Warn().Str("edge", edge).Str("url", base).Int("status", resp.StatusCode).Str("error", msg).Msg("edge http request failed")
		return nil, &Error{Edge: edge, Status: http.StatusBadGateway, Msg: fmt.Sprintf("answered %d: %s", resp.StatusCode, msg)}
	}
	c.requests.WithLabelValues("ok").Inc()
	return resp, nil
}

// base is the edge's base URL, checked: http(s)://host[:port], no more.
func (c *Client) base(edge string) (string, error) {
	if c.opts.Token == "" {
		return "", &Error{Edge: edge, Status: http.StatusBadGateway, Msg: "the gateway has no token for the edges' HTTP API: set edge_http.token_env in its config"}
	}
	raw, ok := c.opts.Locate(edge)
	if !ok {
		return "", &Error{Edge: edge, Status: http.StatusBadGateway, Msg: "unknown to the gateway (no status from it)"}
	}
	if raw == "" {
		return "", &Error{Edge: edge, Status: http.StatusBadGateway, Msg: "announces no HTTP URL in its status (an edge older than edge.http_url)"}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return "", &Error{Edge: edge, Status: http.StatusBadGateway, Msg: fmt.Sprintf("announces an HTTP URL that is not http(s)://host:port (%q)", raw)}
	}
	return strings.TrimRight(raw, "/"), nil
}

// failed turns a transport error into an *Error: 504 for a timeout, else 502.
func (c *Client) failed(edge, base string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err // the caller left: nobody to answer
	}
	var op *net.OpError
	dial := errors.As(err, &op) && op.Op == "dial"
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	e := &Error{Edge: edge, Status: http.StatusBadGateway}
	switch {
	case timeout && dial:
		e.Status, e.Msg = http.StatusGatewayTimeout, fmt.Sprintf("unreachable: no connection within %s (edge_http.connect_timeout)", c.opts.ConnectTimeout)
	case timeout:
		e.Status, e.Msg = http.StatusGatewayTimeout, fmt.Sprintf("no answer within %s (edge_http.answer_timeout)", c.opts.AnswerTimeout)
	case dial:
		e.Msg = "unreachable: " + cause(op.Err)
	default:
		e.Msg = "request failed: " + cause(err)
	}
	outcome := "unreachable"
	if timeout {
		outcome = "timeout"
	}
	c.requests.WithLabelValues(outcome).Inc()
	c.log.Warn().Str("edge", edge).Str("url", base).Err(err).Msg("edge http request failed")
	return e
}

// cause is the innermost error's text ("connection refused"), without
// the URL the transport wraps it in.
func cause(err error) string {
	for {
		var ue *url.Error
		var op *net.OpError
		switch {
		case errors.As(err, &ue) && ue.Err != nil && ue.Err != err:
			err = ue.Err
		case errors.As(err, &op) && op.Err != nil && op.Err != err:
			err = op.Err
		default:
			return err.Error()
		}
	}
}

// Message is the first line of an edge's error answer (at most 300
// bytes); it closes the body.
func Message(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	msg, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return msg
}
