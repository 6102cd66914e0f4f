package hfredis

// This file holds Feed's hfauth.RefreshCoordinator: the short lock that
// lets one replica refresh a session, and the sealed result it leaves for
// the others, under two keys per refresh.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/echohf/echohf/hfauth"
)

// refreshKeys are the names of the lock and the result of the refresh key
// (a keyed digest hfauth computes; never a token).
func (f *Feed) refreshKeys(key string) (lock, result string) {
	base := f.cfg.Prefix + "refresh:" + key
	return base + ":lock", base + ":done"
}

// ClaimRefresh takes the lock of key for ttl unless a result was left
// under key (returned) or another replica holds it; see
// hfauth.RefreshCoordinator. A result is read first, so that a replica that
// comes after the refresh never takes the lock again while the result
// lasts (the lock is not released when a result is shared).
func (f *Feed) ClaimRefresh(ctx context.Context, key string, ttl time.Duration) (bool, []byte, error) {
	lock, done := f.refreshKeys(key)
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	result, err := f.client.Get(ctx, done).Bytes()
	switch {
	case err == nil:
		return false, result, nil
	case !errors.Is(err, redis.Nil):
		return false, nil, fmt.Errorf("hfredis: refresh result: %w", err)
	}
	won, err := f.client.SetNX(ctx, lock, "1", ttl).Result()
	if err != nil {
		return false, nil, fmt.Errorf("hfredis: refresh lock: %w", err)
	}
	return won, nil, nil
}

// ShareRefresh leaves result under key for ttl, or releases the lock when
// result is nil; see hfauth.RefreshCoordinator.
func (f *Feed) ShareRefresh(ctx context.Context, key string, result []byte, ttl time.Duration) error {
	lock, done := f.refreshKeys(key)
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	var err error
	if result == nil {
		err = f.client.Del(ctx, lock).Err()
	} else {
		err = f.client.Set(ctx, done, result, ttl).Err()
	}
	if err != nil {
		return fmt.Errorf("hfredis: sharing a refresh: %w", err)
	}
	return nil
}

// RefreshResult returns the result left under key, nil when none is, and
// whether its lock is still held; see hfauth.RefreshCoordinator.
func (f *Feed) RefreshResult(ctx context.Context, key string) ([]byte, bool, error) {
	lock, done := f.refreshKeys(key)
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	var get *redis.StringCmd
	var held *redis.IntCmd
	_, err := f.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		get, held = p.Get(ctx, done), p.Exists(ctx, lock)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, fmt.Errorf("hfredis: refresh result: %w", err)
	}
	result, err := get.Bytes()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, fmt.Errorf("hfredis: refresh result: %w", err)
	}
	return result, held.Val() > 0, nil
}

var _ hfauth.RefreshCoordinator = (*Feed)(nil)
