-- The shop's shared record: each till's sales as the till last pushed them (or as a verified
-- gateway callback moved them since), their tax per rate, the log of changes taken, and the
-- callbacks the relay received.

CREATE TABLE tills (
    till_id   text        PRIMARY KEY,
    name      text        NOT NULL,
    last_push timestamptz NOT NULL DEFAULT now()
);

-- The same order as the till's ledger trigger: statuses only move forward, and a final one stays.
CREATE FUNCTION paydesk_status_rank(s text) RETURNS int IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE s WHEN 'creating' THEN 0 WHEN 'unknown' THEN 1 WHEN 'pending' THEN 2
                  WHEN 'confirming' THEN 3 WHEN 'underpaid' THEN 3 ELSE 4 END
$$;
CREATE FUNCTION paydesk_may_move(old text, new text) RETURNS boolean IMMUTABLE LANGUAGE sql AS $$
    SELECT new = old
        OR (new = 'creating' AND old IN ('failed', 'unknown'))
        OR (old NOT IN ('paid', 'overpaid', 'paid_late', 'expired', 'expired_partial', 'failed', 'cancelled')
            AND paydesk_status_rank(new) >= paydesk_status_rank(old))
$$;

CREATE TABLE sales (
    order_id           text    PRIMARY KEY,
    till_id            text    NOT NULL REFERENCES tills (till_id),
    kind               text    NOT NULL CHECK (kind IN ('sale', 'cash', 'refund')),
    gateway            text    NOT NULL,
    amount_minor       bigint  NOT NULL CHECK (amount_minor > 0),
    tip_minor          bigint  NOT NULL DEFAULT 0,
    currency           text    NOT NULL,
    description        text,
    status             text    NOT NULL,
    gateway_status     text,
    gateway_invoice_id text,
    refund_of          text,
    cashier            text,
    priced_minor       bigint,
    priced_currency    text,
    -- Unix seconds, as the till wrote them.
    created_at         bigint  NOT NULL,
    updated_at         bigint  NOT NULL,
    -- The till's outbox sequence this row was last taken from: an older change never overwrites.
    change_seq         bigint  NOT NULL,
    -- Who moved the status last: the till's own push, or a verified callback through the relay.
    status_source      text    NOT NULL DEFAULT 'till' CHECK (status_source IN ('till', 'callback'))
);
CREATE INDEX sales_by_created ON sales (created_at DESC, order_id);
CREATE INDEX sales_by_till ON sales (till_id, created_at);
CREATE INDEX sales_by_gateway_invoice ON sales (gateway, gateway_invoice_id) WHERE gateway_invoice_id IS NOT NULL;

CREATE TABLE sale_taxes (
    order_id     text    NOT NULL REFERENCES sales (order_id),
    position     int     NOT NULL,
    name         text    NOT NULL,
    basis_points bigint  NOT NULL,
    inclusive    boolean NOT NULL,
    net_minor    bigint  NOT NULL,
    tax_minor    bigint  NOT NULL,
    gross_minor  bigint  NOT NULL,
    PRIMARY KEY (order_id, position)
);

-- Every change a till pushed, once: (till, sequence) is unique, so a push repeated after a lost
-- answer adds nothing. The two times give the replication lag.
CREATE TABLE sale_changes (
    till_id        text   NOT NULL,
    seq            bigint NOT NULL,
    order_id       text   NOT NULL,
    status         text   NOT NULL,
    changed_at_ms  bigint NOT NULL,
    received_at_ms bigint NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
    PRIMARY KEY (till_id, seq)
);

-- Callbacks the relay verified, by the digest of their body: a replay is found here.
CREATE TABLE callbacks (
    gateway     text        NOT NULL,
    digest      text        NOT NULL,
    order_id    text,
    status      text        NOT NULL,
    applied     boolean     NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, digest)
);
