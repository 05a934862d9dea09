package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// MaxMediaSize is the largest file a MediaCache holds: what the cloud Bot
// API lets a bot download (20 MB), so anything the bot could fetch fits,
// and nothing else can fill the cache.
const MaxMediaSize = 20 << 20

// maxMediaKeyLen bounds a media key; Telegram's unique file ids are about
// 20 characters.
const maxMediaKeyLen = 128

// maxContentTypeLen bounds a stored content type such as "image/jpeg".
const maxContentTypeLen = 255

// Errors of MediaCache.PutMedia, wrapped with the key by implementations.
var (
	// ErrMediaTooLarge means the data is over MaxMediaSize.
	ErrMediaTooLarge = fmt.Errorf("media larger than %d bytes (Telegram's download limit)", MaxMediaSize)
	// ErrBadMedia means the key, the data or the content type cannot be
	// stored: see CheckMedia.
	ErrBadMedia = errors.New("bad media")
)

// MediaCache keeps the files the bot downloaded from Telegram (the photos
// of posts), so each is fetched once and every replica can serve it.
// Entries are keyed by a photo's unique id, which names the file for good
// while its file id may change. Implementations may forget an entry (a
// cache, not a record): the caller then downloads it again.
type MediaCache interface {
	// PutMedia stores data with its content type under key, replacing any
	// entry. It refuses, storing nothing, what CheckMedia refuses.
	PutMedia(ctx context.Context, key string, data []byte, contentType string) error
	// Media returns what PutMedia stored under key, or ErrNotFound.
	Media(ctx context.Context, key string) (data []byte, contentType string, err error)
	// PruneMedia deletes every entry whose key keep returns false for,
	// and reports how many it deleted. Deleting is idempotent: a second
	// call with the same keep deletes nothing. An entry stored while it
	// runs may be deleted or kept (the cache refills); an entry it cannot
	// list (written by something else) is left alone.
	PruneMedia(ctx context.Context, keep func(key string) bool) (int, error)
}

// maxLivePosts bounds the published posts PruneUnusedMedia reads: far
// more than the bot ever holds. Were there more, the photos of the oldest
// would be deleted and downloaded again when asked for: a cache miss.
const maxLivePosts = 1 << 20

// UnusedMedia is what PruneUnusedMedia reads and deletes.
type UnusedMedia interface {
	LatestPosts(ctx context.Context, city string, limit int) ([]Post, error)
	PruneMedia(ctx context.Context, keep func(key string) bool) (int, error)
}

// PruneUnusedMedia deletes the cached photos that no published post
// holds (the only ones the /media endpoint serves): those of deleted or
// withdrawn posts, and those an edit replaced. It reports how many it
// deleted. A photo two posts share stays while either is published. It
// reads every published post, so it runs rarely (the daily retention); a
// post deleted while it runs keeps its photos until the next run.
func PruneUnusedMedia(ctx context.Context, s UnusedMedia) (int, error) {
	posts, err := s.LatestPosts(ctx, "", maxLivePosts)
	if err != nil {
		return 0, fmt.Errorf("prune media: published posts: %w", err)
	}
	live := map[string]bool{}
	for _, p := range posts {
		if !p.Visible() {
			continue
		}
		for _, ph := range p.Photos {
			live[ph.UniqueID] = true
		}
	}
	n, err := s.PruneMedia(ctx, func(key string) bool { return live[key] })
	if err != nil {
		return n, fmt.Errorf("prune media: %w", err)
	}
	return n, nil
}

// ValidMediaKey reports whether key can name a cached file: 1 to 128
// letters, digits, '-' or '_' (Telegram's unique ids are URL-safe base64).
// Keys become file names and URL path segments, so nothing else is
// allowed: no '/', no "..", nothing to escape.
func ValidMediaKey(key string) bool {
	if key == "" || len(key) > maxMediaKeyLen {
		return false
	}
	for _, c := range []byte(key) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// CheckMedia is the rule every MediaCache applies before storing: a valid
// key, 1 to MaxMediaSize bytes (an empty file would be served as a broken
// image for good) and a content type of printable ASCII without line
// breaks (backends may store it as a header line). Errors wrap
// ErrMediaTooLarge or ErrBadMedia.
func CheckMedia(key string, data []byte, contentType string) error {
	switch {
	case !ValidMediaKey(key):
		return fmt.Errorf("%w: key %q is not 1-%d letters, digits, '-' or '_'", ErrBadMedia, short(key), maxMediaKeyLen)
	case len(data) > MaxMediaSize:
		return fmt.Errorf("%w: %d bytes", ErrMediaTooLarge, len(data))
	case len(data) == 0:
		return fmt.Errorf("%w: no data", ErrBadMedia)
	case contentType == "" || len(contentType) > maxContentTypeLen || strings.IndexFunc(contentType, notPrintableASCII) >= 0:
		return fmt.Errorf("%w: content type %q", ErrBadMedia, short(contentType))
	}
	return nil
}

func notPrintableASCII(r rune) bool { return r < ' ' || r > '~' }
