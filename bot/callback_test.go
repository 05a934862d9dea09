package bot

import (
	"errors"
	"strings"
	"testing"
)

func TestCallbackRoundTrip(t *testing.T) {
	for _, cb := range []Callback{{cbCity, "krefeld"}, {cbToggleDone, ""}, {cbLang, "nl"}, {cbToggleKind, "announcement"}} {
		got, err := DecodeCallback(cb.Encode())
		if err != nil || got != cb {
			t.Errorf("DecodeCallback(%q) = %+v, %v; want %+v", cb.Encode(), got, err, cb)
		}
	}
}

func TestDecodeCallbackRefuses(t *testing.T) {
	for _, data := range []string{
		"", "c", "zz:krefeld", "c:Krefeld", "c:../x", "c:kre feld", "c:<b>", "adm:publish",
		"c:" + strings.Repeat("a", 63),
	} {
		if _, err := DecodeCallback(data); !errors.Is(err, ErrBadCallback) {
			t.Errorf("DecodeCallback(%q) err = %v; want ErrBadCallback", data, err)
		}
	}
}

func FuzzDecodeCallback(f *testing.F) {
	for _, s := range []string{"c:krefeld", "td:", "l:uk", "tk:visit", "x:y", ":", "c:\x00", "at:y-42-en"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		cb, err := DecodeCallback(data)
		if err != nil {
			return
		}
		if !knownActions[cb.Action] {
			t.Fatalf("accepted unknown action %q", cb.Action)
		}
		if enc := cb.Encode(); enc != data || len(enc) > maxCallbackData {
			t.Fatalf("round trip %q -> %q", data, enc)
		}
	})
}
