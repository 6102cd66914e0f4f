package spacepages

// This file holds the model list the Hub gives and the JSON API's answers.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/echohf/echohf/hfauth"
)

const (
	// modelsLimit is how many models the page asks the Hub for.
	modelsLimit = 100
	// maxModelsBody bounds the Hub's answer the page reads.
	maxModelsBody = 4 << 20
)

// Messages of the models page when the Hub gives no list.
const (
	// HubRefused answers (with a 401) a session whose token the Hub refused.
	HubRefused = "Hugging Face no longer accepts your sign-in: please sign in again to see your models."
	// HubFailed is the models page's note (with a 502) when the Hub failed.
	HubFailed = "The Hugging Face Hub could not list your models just now. Please try again in a moment."
)

// errHub reports a Hub that gave no usable model list.
var errHub = errors.New("the Hub gave no model list")

// HubModel is a model as the Hub's GET /api/models lists it: only the
// fields the page shows.
type HubModel struct {
	ID          string `json:"id"` // "author/name"
	Private     bool   `json:"private"`
	Likes       int    `json:"likes"`
	Downloads   int    `json:"downloads"`
	PipelineTag string `json:"pipeline_tag"`
}

// HubModels asks the Hub at endpoint, with client (the adapter's
// HubClient, which sends the user's token), for the models of author (at
// most modelsLimit). The Hub lists private models only to a token that may
// see them. An error matches hfauth.ErrLoginRequired when the Hub refused
// the session's token (HubClient has then cleared the session); otherwise
// it is the Hub not reachable, an error status or an unreadable list.
func HubModels(ctx context.Context, client *http.Client, endpoint, author string) ([]HubModel, error) {
	q := url.Values{"author": {author}, "limit": {strconv.Itoa(modelsLimit)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/api/models?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errHub, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, err // ErrLoginRequired, or the Hub not reachable
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: status %d", errHub, res.StatusCode)
	}
	var models []HubModel
	if err := json.NewDecoder(io.LimitReader(res.Body, maxModelsBody)).Decode(&models); err != nil {
		return nil, fmt.Errorf("%w: %w", errHub, err)
	}
	return models, nil
}

// LoadModels fills the models page v of a user signed in with the Hub at
// v.HubURL, through client (the adapter's HubClient), and returns the
// page's status: 200 with the list, or 502 with HubError set when the Hub
// failed (logged on log; the user stays signed in). When the Hub refused
// the session's token it returns the error instead (it matches
// hfauth.ErrLoginRequired): the app answers 401 with HubRefused, whose
// page offers to sign in again.
func (v *View) LoadModels(ctx context.Context, client *http.Client, log *slog.Logger) (int, error) {
	models, err := HubModels(ctx, client, v.HubURL, v.User.PreferredUsername)
	switch {
	case errors.Is(err, hfauth.ErrLoginRequired):
		return 0, err
	case err != nil:
		log.Warn("listing models failed", "hub", v.HubURL, "error", err.Error())
		v.HubError = HubFailed
		return http.StatusBadGateway, nil
	}
	v.Models, v.Limited = models, len(models) >= modelsLimit
	return http.StatusOK, nil
}

// APIPrefix is where the JSON API lives. Its routes answer errors in JSON
// too, whatever the Accept header: curl sends none.
const APIPrefix = "/api"

// IsAPI tells a call to the API from a page load.
func IsAPI(r *http.Request) bool {
	return r.URL.Path == APIPrefix || strings.HasPrefix(r.URL.Path, APIPrefix+"/")
}

// MeAnswer is the answer of GET /api/me.
type MeAnswer struct {
	// Auth is how the caller signed in: "session" (the cookie a browser
	// got at login) or "bearer" (a Hugging Face token in the request).
	Auth string `json:"auth"`
	// User is the caller's profile and organizations.
	User hfauth.OAuthUserInfo `json:"user"`
}

// Me is the answer of GET /api/me for info. The access token is not part
// of it (OAuthInfo never marshals it).
func Me(info *hfauth.OAuthInfo) MeAnswer {
	return MeAnswer{Auth: authKind(info), User: info.UserInfo}
}

// MembersAnswer is the answer of GET /api/members.
type MembersAnswer struct {
	Auth     string `json:"auth"`
	Username string `json:"username"` // the caller's handle on the Hub
	Org      string `json:"org"`
	Role     string `json:"role,omitempty"` // the caller's role in Org, when known
}

// Members is the answer of GET /api/members for info, a member of org.
func Members(info *hfauth.OAuthInfo, org string) MembersAnswer {
	ans := MembersAnswer{Auth: authKind(info), Username: info.UserInfo.PreferredUsername, Org: org}
	if o := info.UserInfo.Org(org); o != nil && o.RoleInOrg != nil {
		ans.Role = *o.RoleInOrg
	}
	return ans
}

// authKind names how info signed in, for the API's answers.
func authKind(info *hfauth.OAuthInfo) string {
	if info.FromBearer() {
		return "bearer"
	}
	return "session"
}
