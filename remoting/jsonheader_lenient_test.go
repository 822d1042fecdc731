package remoting

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
)

// TestJSONHeaderValuesAreLenient: a header value given as a number, a
// boolean or null reads as the Java broker reads it (fastjson into a
// HashMap<String,String>): the number's text, "true"/"false", and absent.
func TestJSONHeaderValuesAreLenient(t *testing.T) {
	h := `{"code":11,"opaque":3,"flag":0,"extFields":{"queueId":0,"queueOffset":1700000000000,` +
		`"maxMsgNums":32,"commitOffset":-1,"ratio":1.5,"big":1E+3,"suspend":true,"unit":false,` +
		`"subscription":null,"topic":"T"}}`
	want := map[string]string{"queueId": "0", "queueOffset": "1700000000000", "maxMsgNums": "32",
		"commitOffset": "-1", "ratio": "1.5", "big": "1E+3", "suspend": "true", "unit": "false", "topic": "T"}
	for name, decode := range map[string]func([]byte) (*Command, error){
		"decodeJSONHeader": decodeJSONHeader,
		"encoding/json": func(h []byte) (*Command, error) { // the fallback alone
			var jh jsonHeader
			err := json.Unmarshal(h, &jh)
			return &Command{ExtFields: jh.ExtFields}, err
		},
	} {
		c, err := decode([]byte(h))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(c.ExtFields, want) {
			t.Fatalf("%s: extFields %v\nwant %v", name, c.ExtFields, want)
		}
	}
	// The typed getters then read them as they read strings.
	c, _ := decodeJSONHeader([]byte(h))
	if q, err := c.Int32("queueId"); err != nil || q != 0 {
		t.Fatalf("queueId %d, %v", q, err)
	}
	if s, err := c.Bool("suspend"); err != nil || !s {
		t.Fatalf("suspend %v, %v", s, err)
	}
	if _, err := c.Field("subscription"); err == nil {
		t.Fatal("a null member read as present")
	}
}

// TestJSONCodesBeyondInt16 decode (Java codes are ints) and keep their value.
func TestJSONCodesBeyondInt16(t *testing.T) {
	for _, code := range []int32{200050, 32768, -32769, math.MaxInt32, math.MinInt32} {
		h := `{"code":` + strconv.Itoa(int(code)) + `,"opaque":9}`
		c, err := decodeJSONHeader([]byte(h))
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		if c.Code != CodeOutOfRange || c.WideCode() != code || c.Opaque != 9 {
			t.Fatalf("%s: code %d, wide %d", h, c.Code, c.WideCode())
		}
		// Encoding keeps the wide code in JSON.
		again, _, err := Decode(mustEncode(t, c, JSON)[4:])
		if err != nil || again.WideCode() != code {
			t.Fatalf("%s: re-encoded as %v, %v", h, again, err)
		}
	}
	if c := (&Command{Code: CodeOutOfRange}); c.WideCode() != int32(CodeOutOfRange) {
		t.Fatalf("a plain CodeOutOfRange reads as %d", c.WideCode())
	}
}

// FuzzJSONHeaderMixedValues builds headers whose extFields mix every value
// kind the lenient reading accepts, from the fuzzer's bytes, and checks the
// three answers agree: the map the generator meant, the fast parser's and
// encoding/json's. The fast parser must also take these headers, which are
// the shapes lenient clients send.
func FuzzJSONHeaderMixedValues(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte("mixed values: strings, numbers, booleans and null"))
	f.Add([]byte{5, 5, 0, 0, 5, 5, 3, 3, 255, 128})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, want := mixedHeader(data)
		fast, ok := parseJSONHeaderFast(h)
		if !ok {
			t.Fatalf("fast path refused a generated header: %s", h)
		}
		checkFastPath(t, h)
		got := map[string]string(fast.ExtFields)
		if len(got) == 0 && len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("header %s\n got %v\nwant %v", h, got, want)
		}
	})
}

// mixedHeader turns data into a JSON header with an extFields member per
// two bytes (a key from a small set, so that duplicates happen, and a
// value kind) and returns it with the map it should decode to.
func mixedHeader(data []byte) ([]byte, map[string]string) {
	rng := rand.New(rand.NewPCG(uint64(len(data)), 1))
	want := map[string]string{}
	h := []byte(`{"code":11,"opaque":1,"extFields":{`)
	for i := 0; i+1 < len(data); i += 2 {
		if i > 0 {
			h = append(h, ',')
		}
		key := "k" + strconv.Itoa(int(data[i]%8))
		h = appendJSONString(h, key)
		h = append(h, ':')
		var text string
		switch data[i+1] % 7 {
		case 0:
			text = string(data[i : i+2])
			h = appendJSONString(h, text)
			text = string([]rune(text)) // invalid UTF-8 reads as U+FFFD
			want[key] = text
			continue
		case 1:
			text = strconv.FormatInt(int64(rng.Uint64()), 10)
		case 2:
			text = strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)), 'g', -1, 64)
		case 3:
			text = strconv.FormatFloat(rng.Float64(), 'E', rng.IntN(5), 64)
		case 4:
			text = strconv.FormatBool(data[i]&1 == 0)
		case 5:
			h = append(h, "null"...)
			delete(want, key)
			continue
		case 6:
			text = strconv.Itoa(int(data[i+1]) - 128)
		}
		h = append(h, text...)
		want[key] = text
	}
	return append(h, "}}"...), want
}
