package console

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/remoting"
)

// The console's JSON API. Every handler goes through the admin client, so
// the console shows any broker and name server it can reach; only the
// throughput chart and the rates come from the console's own sampler.
//
//	GET  /api/cluster          brokers: role, address, rates, disk, replication lag
//	GET  /api/throughput       the chart's points
//	GET  /api/topics           topics: queues, messages, rates
//	GET  /api/topic?topic=     one topic: queues' offsets, consumer groups and their lag
//	GET  /api/groups           consumer groups: members, lag, rate
//	GET  /api/group?group=     one group: members, subscriptions, lag per queue
//	POST /api/group/reset      {group, topic, to: earliest|latest|time, timestamp}
//	GET  /api/messages?topic=&key=   messages with a key
//	GET  /api/message?id=&topic=     one message: properties, body
//	GET  /api/trace?id=&traceTopic=  a message's trace
//
// Errors are {"error": "..."} with 400 (bad input), 404 (not found), 502
// (a server refused or did not answer) or 504 (out of time).

// apiTimeout bounds one API request's admin calls.
const apiTimeout = 20 * time.Second

func (s *Server) apiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/cluster", s.api(s.apiCluster))
	mux.HandleFunc("GET /api/throughput", s.api(s.apiThroughput))
	mux.HandleFunc("GET /api/topics", s.api(s.apiTopics))
	mux.HandleFunc("GET /api/topic", s.api(s.apiTopic))
	mux.HandleFunc("GET /api/groups", s.api(s.apiGroups))
	mux.HandleFunc("GET /api/group", s.api(s.apiGroup))
	mux.HandleFunc("POST /api/group/reset", s.api(s.apiResetOffset))
	mux.HandleFunc("GET /api/messages", s.api(s.apiMessages))
	mux.HandleFunc("GET /api/message", s.api(s.apiMessage))
	mux.HandleFunc("GET /api/trace", s.api(s.apiTrace))
}

// apiFunc answers one API request with a value to encode, or an error.
type apiFunc func(ctx context.Context, r *http.Request) (any, error)

// badRequest is an API error caused by the request itself.
type badRequest string

func (e badRequest) Error() string { return string(e) }

// api adapts an apiFunc: a bounded context that also ends when the server
// closes, JSON out, errors mapped to status codes.
func (s *Server) api(f apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
		defer cancel()
		stop := context.AfterFunc(s.ctx, cancel)
		defer stop()
		v, err := f(ctx, r)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			status := errorStatus(err)
			s.warn.Log(s.log, slog.LevelWarn, r.URL.Path+strconv.Itoa(status), "console request failed",
				"path", r.URL.Path, "status", status, "peer", r.RemoteAddr, "err", err)
			w.WriteHeader(status)
			v = map[string]string{"error": err.Error()}
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(true)
		if err := enc.Encode(v); err != nil {
			s.warn.Log(s.log, slog.LevelWarn, "encode"+r.URL.Path, "console response not written", "path", r.URL.Path, "err", err)
		}
	}
}

func errorStatus(err error) int {
	var br badRequest
	var re *admin.ResponseError
	switch {
	case errors.As(err, &br), errors.Is(err, admin.ErrInvalidArgument):
		return http.StatusBadRequest
	case errors.Is(err, admin.ErrNotFound):
		return http.StatusNotFound
	case errors.As(err, &re):
		switch re.Code {
		case remoting.ResponseTopicNotExist, remoting.ResponseQueryNotFound, remoting.ResponseSubscriptionGroupNotExist:
			return http.StatusNotFound
		}
		return http.StatusBadGateway
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}

// param returns a required query parameter.
func param(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", badRequest("the parameter " + name + " is required")
	}
	return v, nil
}

func (s *Server) apiThroughput(ctx context.Context, r *http.Request) (any, error) {
	points, lastErr, capped := s.sampler.throughput()
	return struct {
		IntervalMillis int64   `json:"intervalMillis"`
		Points         []Point `json:"points"`
		// Error is the last sampling round's error, "" when it worked.
		Error string `json:"error,omitempty"`
		// TopicsNotSampled counts topics left out by MaxSampledTopics.
		TopicsNotSampled int `json:"topicsNotSampled,omitempty"`
	}{s.opts.SampleInterval.Milliseconds(), points, lastErr, capped}, nil
}

// resetRequest is the body of POST /api/group/reset.
type resetRequest struct {
	Group string `json:"group"`
	Topic string `json:"topic"`
	// To is "earliest" (the first stored message), "latest" (skip the
	// backlog) or "time" (the first message stored at or after Timestamp).
	To        string `json:"to"`
	Timestamp int64  `json:"timestamp"`
}

// maxResetBody bounds a reset request's body.
const maxResetBody = 64 << 10

func (s *Server) apiResetOffset(ctx context.Context, r *http.Request) (any, error) {
	// A JSON content type cannot be sent across origins without a CORS
	// preflight, which this server never grants: a page elsewhere cannot
	// make a visitor's browser reset offsets.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, badRequest("send the reset as application/json")
	}
	var req resetRequest
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxResetBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, badRequest("reset body: " + err.Error())
	}
	if req.Group == "" || req.Topic == "" {
		return nil, badRequest("group and topic are required")
	}
	var ts int64
	switch req.To {
	case "earliest":
		ts = 0
	case "latest":
		ts = admin.SkipToEnd
	case "time":
		if req.Timestamp <= 0 {
			return nil, badRequest("a reset to a time needs a timestamp (ms since the epoch)")
		}
		ts = req.Timestamp
	default:
		return nil, badRequest(`"to" is earliest, latest or time`)
	}
	resets, err := s.admin.ResetOffsetByTime(ctx, req.Group, req.Topic, ts, true)
	if err != nil {
		return nil, err
	}
	s.log.Info("console reset offsets", "group", req.Group, "topic", req.Topic, "to", req.To, "timestamp", ts, "peer", r.RemoteAddr)
	return resets, nil
}
