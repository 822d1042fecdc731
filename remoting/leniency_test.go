package remoting

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNumericAndBooleanHeaderValuesAreAnswered: a request whose extFields
// carry numbers, booleans and null over a raw TCP connection is answered,
// with the values read as the Java broker reads them.
func TestNumericAndBooleanHeaderValuesAreAnswered(t *testing.T) {
	s := startServer(t, ServerOptions{}, nil)
	rc := dialRaw(t, s.Addr())
	rc.sendJSON(`{"code":1,"language":"PYTHON","version":0,"opaque":41,"flag":0,`+
		`"extFields":{"queueId":0,"maxMsgNums":32,"ratio":1.5,"suspend":true,"unit":false,"sub":null,"topic":"T"}}`,
		[]byte("payload"))
	resp := rc.read()
	want := map[string]string{"queueId": "0", "maxMsgNums": "32", "ratio": "1.5", "suspend": "true",
		"unit": "false", "topic": "T"}
	if resp.Opaque != 41 || resp.Code != ResponseSuccess || !reflect.DeepEqual(resp.ExtFields, want) ||
		string(resp.Body) != "payload" {
		t.Fatalf("answer %v\nwant ext %v", resp, want)
	}
}

// TestUndecodableRequestGetsAnErrorAndTheConnectionStays: a header that
// does not decode but whose opaque can be read is answered SYSTEM_ERROR
// with a remark saying why, in both encodings, and the same connection
// then serves the next request.
func TestUndecodableRequestGetsAnErrorAndTheConnectionStays(t *testing.T) {
	logs := &logBuffer{}
	s := startServer(t, ServerOptions{Logger: logs.logger()}, nil)
	rc := dialRaw(t, s.Addr())
	good := mustEncode(t, &Command{Code: 1, Opaque: 99, Remark: "next"}, JSON)

	for _, tc := range []struct {
		name   string
		frame  []byte
		opaque int32
		remark string
	}{
		{"object as a header value", jsonFrame(`{"code":1,"opaque":7,"extFields":{"q":{"x":1}}}`), 7, "object"},
		{"code given as text", jsonFrame(`{"opaque":8,"code":"ten"}`), 8, "invalid JSON header"},
		{"truncated after the opaque", jsonFrame(`{"Opaque":"9","flag":0,"code":`), 9, "invalid JSON header"},
		{"binary extFields overrun", binaryFrame(10, 0, cat(be32(0), be32(50))), 10, "overruns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc.send(tc.frame)
			resp := rc.read()
			if resp.Opaque != tc.opaque || resp.Code != ResponseSystemError || !resp.IsResponse() ||
				!strings.Contains(resp.Remark, tc.remark) {
				t.Fatalf("answer %v; want SYSTEM_ERROR for opaque %d mentioning %q", resp, tc.opaque, tc.remark)
			}
			rc.send(good)
			if next := rc.read(); next.Opaque != 99 || next.Code != ResponseSuccess {
				t.Fatalf("the next request got %v", next)
			}
		})
	}
	logs.waitFor(t, "undecodable request refused", "opaque=7")

	// A oneway that does not decode is logged, and nothing is sent back.
	rc.send(binaryFrame(11, FlagOneway, cat(be32(-1))))
	logs.waitFor(t, "undecodable request refused", "opaque=11", "oneway=true")
	rc.send(good)
	if next := rc.read(); next.Opaque != 99 {
		t.Fatalf("after the oneway, read %v", next)
	}
}

// jsonFrame is a whole frame, prefix included, around a JSON header.
func jsonFrame(header string) []byte {
	return cat(be32(int32(4+len(header))), withHeaderWord(0, []byte(header), nil))
}

// binaryFrame is a whole frame around a binary header with the given opaque
// and flag, code 1, followed by rest (the remark and extFields sections).
func binaryFrame(opaque, flag int32, rest []byte) []byte {
	h := cat(be16(1), []byte{byte(LanguageCode(LanguageGo))}, be16(DefaultVersion), be32(opaque), be32(flag), rest)
	return cat(be32(int32(4+len(h))), withHeaderWord(1, h, nil))
}

// TestCodesBeyondInt16AndUnknownOnewaysAreRefusedAloud: a JSON code above
// 32767 (RocketMQ 5's POP_MESSAGE) gets REQUEST_CODE_NOT_SUPPORTED naming
// it, an unsupported oneway leaves a log line, and the connection stays.
func TestCodesBeyondInt16AndUnknownOnewaysAreRefusedAloud(t *testing.T) {
	logs := &logBuffer{}
	s := startServer(t, ServerOptions{Logger: logs.logger()}, nil)
	rc := dialRaw(t, s.Addr())
	rc.sendJSON(`{"code":200050,"language":"JAVA","version":453,"opaque":5,"flag":0}`, nil)
	resp := rc.read()
	if resp.Opaque != 5 || resp.Code != ResponseRequestCodeNotSupported || !strings.Contains(resp.Remark, "200050") {
		t.Fatalf("answer %v", resp)
	}
	logs.waitFor(t, "unsupported request code refused", "code=200050")

	rc.send(mustEncode(t, &Command{Code: 777, Opaque: 6, Flag: FlagOneway}, RocketMQ))
	logs.waitFor(t, "unsupported request code refused", "code=777", "oneway=true")
	rc.send(mustEncode(t, &Command{Code: 1, Opaque: 12}, RocketMQ))
	if next := rc.read(); next.Opaque != 12 || next.Code != ResponseSuccess {
		t.Fatalf("after the refusals, read %v", next)
	}
}

// TestAnUndecodableResponseFailsOnlyItsCall: on the client side, a response
// that does not decode fails the call it answers with the decode error,
// and the connection carries the next call.
func TestAnUndecodableResponseFailsOnlyItsCall(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() { // a server that answers the first call with garbage
		nc, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer nc.Close()
		for i := 0; i < 2; i++ {
			frame, err := ReadFrame(nc, 0, nil)
			if err != nil {
				served <- err
				return
			}
			req, _, err := Decode(frame)
			if err != nil {
				served <- err
				return
			}
			out := mustEncode(t, NewResponse(req, ResponseSuccess, "fine"), JSON)
			if i == 0 {
				out = jsonFrame(`{"code":0,"flag":1,"opaque":` + strconv.Itoa(int(req.Opaque)) + `,"extFields":[]}`)
			}
			if _, err := nc.Write(out); err != nil {
				served <- err
				return
			}
		}
		served <- nil
	}()
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cl.InvokeSync(ctx, ln.Addr().String(), NewRequest(1, nil, nil)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("first call: %v, want ErrMalformed", err)
	}
	resp, err := cl.InvokeSync(ctx, ln.Addr().String(), NewRequest(1, nil, nil))
	if err != nil || resp.Remark != "fine" {
		t.Fatalf("second call: %v, %v", resp, err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}
