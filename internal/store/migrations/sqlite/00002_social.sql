-- +goose Up
CREATE TABLE social_settings (
    tenant_id  TEXT PRIMARY KEY REFERENCES tenants (id),
    settings   TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A brand's Instagram professional account. The access token is sealed with
-- the server's secret key (bound to the row id) and never leaves the server.
CREATE TABLE ig_connections (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    ig_user_id      TEXT NOT NULL UNIQUE,
    page_id         TEXT,
    access_token    TEXT NOT NULL,
    status          TEXT NOT NULL,
    status_reason   TEXT,
    last_webhook_at TIMESTAMP,
    last_poll_at    TIMESTAMP,
    next_poll_at    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX ig_connections_tenant ON ig_connections (tenant_id);

-- Raw webhook deliveries, stored before they are acknowledged.
CREATE TABLE webhook_inbox (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    body          BLOB NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending',
    reason        TEXT,
    claimed_until TIMESTAMP,
    processed_at  TIMESTAMP
);
CREATE INDEX webhook_inbox_status ON webhook_inbox (status, id);

-- Every piece of platform activity seen, matched or not, once per dedup key.
CREATE TABLE social_activity (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    platform         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    dedup_key        TEXT NOT NULL,
    account_id       TEXT,
    handle           TEXT,
    platform_user_id TEXT,
    user_id          TEXT,
    status           TEXT NOT NULL,
    reason           TEXT,
    event_id         TEXT,
    data             TEXT NOT NULL,
    occurred_at      TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX social_activity_dedup ON social_activity (tenant_id, platform, dedup_key);
CREATE INDEX social_activity_status ON social_activity (tenant_id, status, created_at);

-- Platform accounts proven to belong to a member (by a DM), by stable id.
CREATE TABLE social_identities (
    tenant_id        TEXT NOT NULL,
    platform         TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    handle           TEXT NOT NULL,
    verified_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, platform, platform_user_id)
);
CREATE INDEX social_identities_user ON social_identities (user_id);

CREATE TABLE verification_codes (
    code_hash  TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE verification_codes;
DROP TABLE social_identities;
DROP TABLE social_activity;
DROP TABLE webhook_inbox;
DROP TABLE ig_connections;
DROP TABLE social_settings;
