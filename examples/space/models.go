package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
)

const (
	// modelsLimit is how many models the page asks the Hub for.
	modelsLimit = 100
	// maxModelsBody bounds the Hub's answer the page reads.
	maxModelsBody = 4 << 20
)

// errHub reports a Hub that gave no usable model list.
var errHub = errors.New("the Hub gave no model list")

// hubModel is a model as the Hub's GET /api/models lists it: only the
// fields the page shows.
type hubModel struct {
	ID          string `json:"id"` // "author/name"
	Private     bool   `json:"private"`
	Likes       int    `json:"likes"`
	Downloads   int    `json:"downloads"`
	PipelineTag string `json:"pipeline_tag"`
}

// hubModels asks the Hub, as the user signed in on c, for the models of
// author (at most modelsLimit). The Hub lists private models only to a
// token that may see them. An error matches echohf.ErrLoginRequired when
// the Hub refused the session's token (HubClient has then cleared the
// session), errHub when the Hub answered with an error or an unreadable
// list.
func hubModels(c echo.Context, author string) ([]hubModel, error) {
	q := url.Values{"author": {author}, "limit": {strconv.Itoa(modelsLimit)}}
	req, err := http.NewRequestWithContext(c.Request().Context(), http.MethodGet, echohf.HubEndpoint(c)+"/api/models?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errHub, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := echohf.HubClient(c).Do(req)
	if err != nil {
		return nil, err // ErrLoginRequired, or the Hub not reachable
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: status %d", errHub, res.StatusCode)
	}
	var models []hubModel
	if err := json.NewDecoder(io.LimitReader(res.Body, maxModelsBody)).Decode(&models); err != nil {
		return nil, fmt.Errorf("%w: %w", errHub, err)
	}
	return models, nil
}

// models is guarded by RequireLogin. It lists the user's models as the Hub
// lists them to the user's token. When the Hub refuses that token, the
// error page offers to sign in again; when the Hub fails, the page says
// so with a 502, and the user stays signed in.
func (a *app) models(c echo.Context) error {
	v := a.view(c)
	v.HubURL, v.MockMode = echohf.HubEndpoint(c), a.mock
	models, err := hubModels(c, v.User.PreferredUsername)
	switch {
	case errors.Is(err, echohf.ErrLoginRequired):
		return echo.NewHTTPError(http.StatusUnauthorized, "Hugging Face no longer accepts your sign-in: please sign in again to see your models.").WithInternal(err)
	case err != nil:
		a.log.Warn("listing models failed", "path", c.Path(), "hub", v.HubURL, "error", err.Error())
		v.HubError = "The Hugging Face Hub could not list your models just now. Please try again in a moment."
		return c.Render(http.StatusBadGateway, "models", v)
	}
	v.Models, v.Limited = models, len(models) >= modelsLimit
	return c.Render(http.StatusOK, "models", v)
}
