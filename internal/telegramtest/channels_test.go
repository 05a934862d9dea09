package telegramtest_test

import (
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func botMember(t *testing.T, bot *tgbotapi.BotAPI, chatID int64) (tgbotapi.ChatMember, error) {
	t.Helper()
	return bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: chatID, UserID: bot.Self.ID}})
}

// A city channel's posts wait until the bot is an administrator with
// can_post_messages, and then go out; getChatMember tells the bot where it
// stands.
func TestChannelRights(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	const id = -1001500000001
	srv.KnowChat(telegramtest.PublicChannel(id, "Venlo", "venlo_city"))
	srv.SetChannelRights(id, telegramtest.ChannelRights{})
	srv.RegisterPhoto("P", nil)

	_, err := bot.Send(tgbotapi.NewMessageToChannel("@venlo_city", "post"))
	if e := apiError(t, err); e.Code != 403 || e.Message != "Forbidden: bot is not a member of the channel chat" {
		t.Errorf("not a member: %+v", e)
	}
	if m, err := botMember(t, bot, id); err != nil || m.Status != "left" {
		t.Errorf("member of a public channel it left = %+v, %v", m, err)
	}

	srv.SetChannelRights(id, telegramtest.ChannelRights{Member: true, CanEditMessages: true})
	for _, c := range []tgbotapi.Chattable{tgbotapi.NewMessage(id, "post"), photo(id, "P", "post")} {
		_, err = bot.Send(c)
		if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: need administrator rights in the channel chat" {
			t.Errorf("no can_post_messages: %+v", e)
		}
	}
	_, err = bot.SendMediaGroup(album(id, "", "P", "P"))
	if e := apiError(t, err); e.Message != "Bad Request: need administrator rights in the channel chat" {
		t.Errorf("album without can_post_messages: %+v", e)
	}
	m, err := botMember(t, bot, id)
	if err != nil || m.Status != "administrator" || m.CanPostMessages || !m.CanEditMessages || m.CanDeleteMessages {
		t.Errorf("administrator without posting = %+v, %v", m, err)
	}

	srv.SetChannelRights(id, telegramtest.ChannelRights{Member: true, CanPostMessages: true})
	post, err := bot.Send(tgbotapi.NewMessageToChannel("@venlo_city", "post"))
	if err != nil {
		t.Fatalf("after the rights were granted: %v", err)
	}
	// A channel post comes from the channel, not from the bot.
	if post.From != nil || post.SenderChat == nil || post.SenderChat.ID != id || post.Chat.Type != "channel" {
		t.Errorf("channel post = %+v", post)
	}
	if got := srv.WaitSent(t, wait, telegramtest.To(id)); got.Plain != "post" {
		t.Errorf("stored = %+v", got)
	}
	// can_post_messages is enough to edit and delete its own posts.
	if _, err := bot.Send(tgbotapi.NewEditMessageText(id, post.MessageID, "edited")); err != nil {
		t.Errorf("edit own post with can_post_messages: %v", err)
	}
	second, err := bot.Send(tgbotapi.NewMessage(id, "second"))
	if err != nil {
		t.Fatal(err)
	}

	srv.SetChannelRights(id, telegramtest.ChannelRights{Member: true})
	_, err = bot.Send(tgbotapi.NewEditMessageText(id, post.MessageID, "again"))
	if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: message can't be edited" {
		t.Errorf("edit without rights: %+v", e)
	}
	_, err = bot.Request(tgbotapi.NewDeleteMessage(id, post.MessageID))
	if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: message can't be deleted" {
		t.Errorf("delete without rights: %+v", e)
	}
	// Someone else's post needs can_delete_messages even with posting rights.
	srv.SetChannelRights(id, telegramtest.ChannelRights{Member: true, CanPostMessages: true})
	foreign := srv.IncomingMessageID(srv.SendChannelPost(telegramtest.PublicChannel(id, "Venlo", "venlo_city"), "by an admin"))
	_, err = bot.Request(tgbotapi.NewDeleteMessage(id, foreign))
	if e := apiError(t, err); e.Message != "Bad Request: message can't be deleted" {
		t.Errorf("delete another admin's post: %+v", e)
	}
	srv.SetChannelRights(id, telegramtest.ChannelRights{Member: true, CanEditMessages: true, CanDeleteMessages: true})
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(id, foreign)); err != nil {
		t.Errorf("delete another admin's post with can_delete_messages: %v", err)
	}
	if _, err := bot.Send(tgbotapi.NewEditMessageText(id, post.MessageID, "again")); err != nil {
		t.Errorf("edit with can_edit_messages: %v", err)
	}
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(id, second.MessageID)); err != nil {
		t.Errorf("delete with can_delete_messages: %v", err)
	}

	srv.SetChannelRights(id, telegramtest.ChannelRights{})
	_, err = bot.Request(tgbotapi.NewDeleteMessage(id, post.MessageID))
	if e := apiError(t, err); e.Code != 403 || e.Message != "Forbidden: bot is not a member of the channel chat" {
		t.Errorf("delete after leaving: %+v", e)
	}
	_, err = bot.Request(tgbotapi.NewChatAction(id, tgbotapi.ChatUploadPhoto))
	if e := apiError(t, err); e.Code != 403 {
		t.Errorf("chat action after leaving: %+v", e)
	}
}

func TestChannelMemberShapes(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	const private, free = -1001500000002, -1001500000003
	srv.SetChannelRights(private, telegramtest.ChannelRights{})
	srv.KnowChat(telegramtest.Channel(free, "Unconstrained"))

	// A private channel cannot even be looked at by a non-member.
	_, err := botMember(t, bot, private)
	if e := apiError(t, err); e.Code != 403 || e.Message != "Forbidden: bot is not a member of the channel chat" {
		t.Errorf("private channel: %+v", e)
	}
	// Without SetChannelRights a channel is not enforced.
	m, err := botMember(t, bot, free)
	if err != nil || m.Status != "administrator" || !m.CanPostMessages || m.User.ID != srv.BotID() {
		t.Errorf("unconstrained channel = %+v, %v", m, err)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(free, "x")); err != nil {
		t.Errorf("unconstrained send: %v", err)
	}
	someone, err := bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: free, UserID: 77}})
	if err != nil || someone.Status != "member" || someone.User.ID != 77 {
		t.Errorf("another user = %+v, %v", someone, err)
	}
	_, err = bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: free}})
	if e := apiError(t, err); e.Message != "Bad Request: invalid user_id specified" {
		t.Errorf("no user_id: %+v", e)
	}
	srv.Kick(free)
	_, err = botMember(t, bot, free)
	if e := apiError(t, err); e.Message != "Forbidden: bot was kicked from the channel chat" {
		t.Errorf("kicked: %+v", e)
	}
	_, err = bot.Send(tgbotapi.NewMessageToChannel("@nobody_here", "x"))
	if e := apiError(t, err); e.Message != "Bad Request: chat not found" {
		t.Errorf("unknown username: %+v", e)
	}
}
