-- +goose Up
CREATE TABLE tenants (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    api_key_hash     TEXT NOT NULL UNIQUE,
    admin_token_hash TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants (id),
    external_identifier TEXT,
    email               TEXT,
    profile             JSONB NOT NULL DEFAULT '{}',
    is_restricted       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_tenant_external ON users (tenant_id, external_identifier) WHERE external_identifier IS NOT NULL;
CREATE INDEX users_tenant_created ON users (tenant_id, created_at, id);

CREATE TABLE attributes (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      JSONB NOT NULL,
    is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, key)
);
CREATE INDEX attributes_tenant ON attributes (tenant_id, key);

-- Handles a member claims, normalised (lower case, no @), for matching
-- platform activity to members. Several members may claim one handle.
CREATE TABLE member_handles (
    tenant_id TEXT NOT NULL,
    platform  TEXT NOT NULL,
    handle    TEXT NOT NULL,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, platform, handle, user_id)
);
CREATE INDEX member_handles_user ON member_handles (user_id);

CREATE TABLE event_types (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    definition  JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE events (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    type        TEXT NOT NULL,
    subject     TEXT,
    user_id     TEXT,
    executor    TEXT,
    payload     JSONB NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_tenant_seq ON events (tenant_id, seq);
CREATE INDEX events_user_type ON events (tenant_id, user_id, type, seq);

CREATE TABLE reactors (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    event_type  TEXT NOT NULL,
    definition  JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX reactors_tenant_type ON reactors (tenant_id, event_type);

CREATE TABLE reactor_activations (
    reactor_id TEXT NOT NULL REFERENCES reactors (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (reactor_id, scope)
);

CREATE TABLE wallets (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL,
    balance    BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE point_transactions (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    points      BIGINT NOT NULL,
    impact_type TEXT NOT NULL,
    event_id    TEXT,
    reactor_id  TEXT,
    actor_id    TEXT,
    comment     TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX point_transactions_user ON point_transactions (user_id, created_at);

CREATE TABLE audiences (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    definition  JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE audiences;
DROP TABLE point_transactions;
DROP TABLE wallets;
DROP TABLE reactor_activations;
DROP TABLE reactors;
DROP TABLE events;
DROP TABLE event_types;
DROP TABLE member_handles;
DROP TABLE attributes;
DROP TABLE users;
DROP TABLE tenants;
