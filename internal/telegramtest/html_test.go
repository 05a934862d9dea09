package telegramtest_test

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func TestHTMLParseMode(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	const cantParse = "Bad Request: can't parse entities: "
	tests := []struct {
		name  string
		html  string
		plain string // expected visible text on success
		err   string // expected description suffix after cantParse
	}{
		{name: "plain", html: "just text", plain: "just text"},
		{name: "all tags", html: `<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>` +
			`<span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler><a href="https://x.org/?a=1&amp;b=2">l</a>` +
			`<code>c</code><pre>p</pre><blockquote>q</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`,
			plain: "bsieunskdpqlcpq👍"},
		{name: "nested", html: "<b>bold <i>both</i></b>", plain: "bold both"},
		{name: "uppercase start tag", html: "<B>x</b>", plain: "x"},
		{name: "entities", html: "a &lt; b &gt; c &amp; d &quot;e&quot; &#65;&#x42;", plain: `a < b > c & d "e" AB`},
		{name: "bare greater-than is fine", html: "2 > 1", plain: "2 > 1"},
		{name: "unsupported tag", html: "<div>x</div>", err: `Unsupported start tag "div" at byte offset 0`},
		{name: "br is unsupported", html: "a<br>b", err: `Unsupported start tag "br" at byte offset 1`},
		{name: "bare less-than", html: "1 < 2", err: `Unsupported start tag "" at byte offset 2`},
		{name: "less-than before digit", html: "I <3 Go", err: `Unsupported start tag "3" at byte offset 2`},
		{name: "unclosed", html: "<b>bold", err: "Can't find end tag corresponding to start tag b"},
		{name: "misnested", html: "<b><i>x</b></i>", err: `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{name: "stray end tag", html: "x</b>", err: "Unexpected end tag at byte offset 1"},
		{name: "unclosed start tag", html: "<a href='x'", err: "Unclosed start tag at byte offset 0"},
		{name: "bare ampersand", html: "Tom & Jerry", err: `Character '&' at byte offset 4 must be escaped as "&amp;"`},
		{name: "unknown named entity", html: "&nbsp;", err: `Character '&' at byte offset 0 must be escaped as "&amp;"`},
		{name: "span without spoiler class", html: `<span class="x">y</span>`, err: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{name: "attribute without value", html: "<a href>x</a>", err: `Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tgbotapi.NewMessage(1, tt.html)
			msg.ParseMode = tgbotapi.ModeHTML
			got, err := bot.Send(msg)
			if tt.err != "" {
				e := apiError(t, err)
				if e.Code != 400 || e.Message != cantParse+tt.err {
					t.Errorf("got %d %q\nwant 400 %q", e.Code, e.Message, cantParse+tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got.Text != tt.plain {
				t.Errorf("text = %q, want %q", got.Text, tt.plain)
			}
		})
	}
}

func TestHTMLEntityOffsetsAreUTF16(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	msg := tgbotapi.NewMessage(1, `  🎉 <b>Fest</b> <a href="https://example.org">ü</a> <pre><code class="language-go">x</code></pre>  `)
	msg.ParseMode = tgbotapi.ModeHTML
	got, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "🎉 Fest ü x" {
		t.Fatalf("text = %q (surrounding spaces must be trimmed)", got.Text)
	}
	want := []tgbotapi.MessageEntity{
		{Type: "bold", Offset: 3, Length: 4},
		{Type: "text_link", Offset: 8, Length: 1, URL: "https://example.org"},
		{Type: "pre", Offset: 10, Length: 1, Language: "go"},
	}
	if len(got.Entities) != len(want) {
		t.Fatalf("entities = %+v", got.Entities)
	}
	for i := range want {
		if got.Entities[i] != want[i] {
			t.Errorf("entity %d = %+v, want %+v", i, got.Entities[i], want[i])
		}
	}
	if m := srv.Sent()[0]; !strings.HasPrefix(m.Text, "  🎉 <b>") || m.Plain != got.Text {
		t.Errorf("stored = %+v", m)
	}
}
