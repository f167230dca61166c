import Foundation
import LedgerCore
import Platform
import WebKit

/// The OpenAPI 3.1 description of `/api/v1`, exactly as the server behaves:
/// schemathesis checks it in CI with every check. Later issues add their routes here,
/// next to their entry in `PermissionTable`; a test checks both list the same routes.
/// The patterns come from `APIInput`, which the routes check, so the two agree.
enum OpenAPIDocument {
    static let json: String = withStandardResponses(source)

    /// What the routes' shared machinery answers, added to every operation rather than
    /// written out each time: 401 without credentials and 403 for a role or scope that
    /// may not (secured operations), 400 for a parameter or body outside the document,
    /// 413 and 415 for bodies too large or not JSON.
    static func withStandardResponses(_ text: String) -> String {
        guard var document = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              var paths = document["paths"] as? [String: Any] else { return text }
        let error: [String: Any] = ["$ref": "#/components/responses/Error"]
        for (path, item) in paths {
            guard var operations = item as? [String: Any] else { continue }
            for (method, value) in operations {
                guard var operation = value as? [String: Any], var responses = operation["responses"] as? [String: Any] else { continue }
                let secured = (operation["security"] as? [Any])?.isEmpty != true
                if secured {
                    responses["401"] = responses["401"] ?? error
                    responses["403"] = responses["403"] ?? error
                }
                let hasInput = operation["parameters"] != nil || operation["requestBody"] != nil || path.contains("{")
                if hasInput { responses["400"] = responses["400"] ?? error }
                if operation["requestBody"] != nil {
                    responses["413"] = responses["413"] ?? error
                    responses["415"] = responses["415"] ?? error
                }
                operation["responses"] = responses
                operations[method] = operation
            }
            paths[path] = operations
        }
        document["paths"] = paths
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]) else { return text }
        return String(decoding: data, as: UTF8.self)
    }

    static let accountCodePattern = "^(\(LedgerAccountKind.allCases.map(\.rawValue).joined(separator: "|"))):[!-~]+:\(APIInput.currencyPattern.dropFirst())"

    static let source = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Pipstack API",
        "version": "1.0.0",
        "description": "Back-office API of Pipstack. Optional fields may be left out or sent as null. Authenticate with an API key (Authorization: Bearer psk_...) or a session cookie; session calls that change data also send X-CSRF-Token. Amounts are decimal strings in the account's currency; times are integer microseconds since the Unix epoch, UTC. Errors are {\"error\":{\"status\",\"message\",\"request_id\"}}: 400 when a parameter or body is outside this document, 401 without valid credentials, 403 when the caller's role or the key's scopes do not allow the operation, 404 for what does not exist, 405 with Allow for a method a path does not have, 409 when an idempotency key or event id came before with other content, 413 for a body too large, 415 for a body that is not JSON, and 422 for a body of the right shape that a money rule refuses."
      },
      "servers": [{"url": "/"}],
      "security": [{"apiKey": []}, {"session": []}],
      "components": {
        "securitySchemes": {
          "apiKey": {"type": "http", "scheme": "bearer", "description": "psk_<id>_<secret>, created in the back office under API keys or with `pipstack admin api-key`"},
          "session": {"type": "apiKey", "in": "cookie", "name": "ps_admin"}
        },
        "schemas": {
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["status", "message", "request_id"], "properties": {
            "status": {"type": "integer"}, "message": {"type": "string"}, "request_id": {"type": "string"}}}}},
          "Me": {"type": "object", "required": ["id", "kind", "email", "name"], "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": ["staff", "trader", "partner"]},
            "email": {"type": "string"}, "name": {"type": "string"}, "role": {"type": ["string", "null"]}, "scopes": {"type": ["array", "null"], "items": {"type": "string"}}}},
          "LedgerAccountBalance": {"type": "object", "properties": {"code": {"type": "string", "description": "kind:owner:CCY"},
            "balance": {"type": "integer", "description": "minor units of the account's currency"}}},
          "AccountStatement": {"type": "object", "properties": {"account": {"type": "string"}, "balance": {"type": "integer", "description": "cached balance, minor units"},
            "postings": {"type": "array", "items": {"$ref": "#/components/schemas/AccountPosting"}},
            "next_before": {"type": ["integer", "null"], "description": "pass as before for the next, older page"}}},
          "AccountPosting": {"type": "object", "properties": {"id": {"type": "integer"}, "amount": {"type": "integer"}, "balance_after": {"type": "integer"},
            "transaction_seq": {"type": "integer"}, "idempotency_key": {"type": "string"}, "kind": {"type": "string"}, "memo": {"type": "string"},
            "occurred_at": {"type": "integer"}, "posted_at": {"type": "integer"}}},
          "StoredTransaction": {"type": "object", "properties": {"seq": {"type": "integer"}, "idempotency_key": {"type": "string"},
            "kind": {"type": "string"}, "memo": {"type": "string"}, "occurred_at": {"type": "integer"}, "posted_at": {"type": "integer"}}},
          "AccountCode": {"type": "string", "maxLength": 300, "pattern": \#(JSONText.quote(accountCodePattern)), "description": "kind:owner:CCY; the owner may contain ':'", "example": "client_wallet:usr_1:USD"},
          "TransactionRequest": {"type": "object", "required": ["kind", "postings"], "properties": {
            "kind": {"type": "string", "minLength": 1, "maxLength": 64}, "memo": {"type": ["string", "null"], "maxLength": 500},
            "occurred_at": {"type": ["integer", "null"], "description": "when it happened; the time of posting when left out or null"},
            "postings": {"type": "array", "minItems": 2, "maxItems": 100, "items": {"type": "object", "required": ["account", "amount"], "properties": {
              "account": {"$ref": "#/components/schemas/AccountCode"},
              "amount": {"type": "string", "pattern": \#(JSONText.quote(APIInput.decimalPattern)),
                "description": "positive increases the account, negative decreases; at most the currency's decimals, not zero, and the postings sum to zero per currency (422 otherwise)"}}}}},
            "example": {"kind": "adjustment", "memo": "goodwill credit", "postings": [
              {"account": "client_wallet:usr_1:USD", "amount": "12.50"}, {"account": "broker_equity:broker:USD", "amount": "-12.50"}]}},
          "TransactionResponse": {"type": "object", "required": ["idempotency_key", "outcome"], "properties": {"idempotency_key": {"type": "string"}, "outcome": {"type": "string", "enum": ["posted", "duplicate"]}}},
          "TradingAccount": {"type": "object", "properties": {"server_id": {"type": "string"}, "login": {"type": "string"}, "user_id": {"type": "string"},
            "account_type": {"type": "string"}, "group": {"type": "string"}, "currency": {"type": "string"}, "leverage": {"type": "integer"},
            "status": {"type": "string", "enum": ["creating", "active", "failed"]}, "trading_enabled": {"type": "boolean"}, "created_at": {"type": "integer"}}},
          "Deal": {"type": "object", "description": "A deal as the trade server recorded it; amounts in the account's currency as exact decimal strings.",
            "properties": {"ticket": {"type": "string"}, "login": {"type": "string"}, "order": {"type": "string"}, "position_id": {"type": "string"},
            "action": {"type": "string"}, "entry": {"type": "string"}, "symbol": {"type": "string"}, "time": {"type": "integer"}, "price": {"type": "string"},
            "volume_lots": {"type": "string"}, "profit": {"type": "string"}, "commission": {"type": "string"}, "swap": {"type": "string"},
            "fee": {"type": "string"}, "comment": {"type": "string"}}},
          "BalanceOperationRequest": {"type": "object", "required": ["server_id", "login", "kind", "amount"], "properties": {
            "server_id": {"type": "string", "example": "mt5_live"}, "login": {"type": "string", "pattern": \#(JSONText.quote(APIInput.loginPattern)), "example": "5000000"},
            "kind": {"type": "string", "enum": ["deposit", "withdrawal", "credit_in", "credit_out", "bonus", "correction", "charge"]},
            "amount": {"type": "string", "pattern": \#(JSONText.quote(APIInput.decimalPattern)), "example": "250.00",
              "description": "in the account's currency with at most its decimals; positive, except that a correction may be negative (422 otherwise)"},
            "comment": {"type": ["string", "null"], "maxLength": 200}}},
          "BalanceOperation": {"type": "object", "properties": {"id": {"type": "string"}, "server_id": {"type": "string"}, "login": {"type": "string"},
            "kind": {"type": "string"}, "amount": {"type": "string"}, "currency": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "sending", "done", "failed"]}, "deal_ticket": {"type": "string"},
            "last_error": {"type": "string"}, "requested_by": {"type": "string"}, "created_at": {"type": "integer"}, "updated_at": {"type": "integer"}}},
          "ClientEventRequest": {"type": "object", "required": ["source", "id", "client_id", "kind", "occurred_at"],
            "description": "A deposit names its amount and currency; other kinds name no amount; a country event names the country. An event that breaks these rules, names someone who is not a client, or happened more than five minutes in the future is refused with 422.",
            "properties": {
            "source": {"type": "string", "pattern": \#(JSONText.quote(APIInput.sourcePattern)), "description": "who reports it (a PSP, a KYC vendor)"},
            "id": {"type": "string", "pattern": \#(JSONText.quote(APIInput.externalIDPattern)), "description": "the source's own id of the event; with source, what makes it exactly once"},
            "client_id": {"type": "string", "pattern": \#(JSONText.quote(APIInput.externalIDPattern))}, "kind": {"type": "string", "enum": ["deposit", "kyc_approved", "country"]},
            "occurred_at": {"type": "integer", "minimum": 1, "maximum": 9223372036854775807},
            "amount": {"type": ["string", "null"], "pattern": \#(JSONText.quote(APIInput.unsignedDecimalPattern)), "example": "150.00", "description": "deposits only"},
            "currency": {"type": ["string", "null"], "pattern": \#(JSONText.quote(APIInput.currencyPattern)), "example": "USD"},
            "country": {"type": ["string", "null"], "pattern": \#(JSONText.quote(APIInput.countryPattern)), "example": "DE", "description": "ISO 3166 alpha-2, stored in upper case"}}},
          "ClientEvent": {"type": "object", "properties": {"source": {"type": "string"}, "id": {"type": "string"}, "client_id": {"type": "string"},
            "kind": {"type": "string"}, "amount": {"type": "string"}, "currency": {"type": "string"}, "country": {"type": "string"}, "occurred_at": {"type": "integer"}}},
          "AuditEvent": {"type": "object"},
          "Job": {"type": "object"}
        },
        "responses": {
          "Error": {"description": "A refused request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "parameters": {
          "limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}
        }
      },
      "paths": {
        "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/api/v1/me": {"get": {"summary": "Who the caller is", "description": "Everyone who is signed in.", "responses": {"200": {"description": "The caller", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}}}}},
        "/api/v1/ledger/accounts": {"get": {"summary": "Ledger accounts with cached balances", "description": "Roles: admin, finance. Scope: read.",
          "responses": {"200": {"description": "Accounts", "content": {"application/json": {"schema": {"type": "object", "properties": {"accounts": {"type": "array", "items": {"$ref": "#/components/schemas/LedgerAccountBalance"}}}}}}}}}},
        "/api/v1/ledger/statement": {"get": {"summary": "One account's postings, newest first, with the balance after each", "description": "Roles: admin, finance. Scope: read. Page with before = next_before.",
          "parameters": [{"name": "account", "in": "query", "required": true, "schema": {"$ref": "#/components/schemas/AccountCode"}},
                         {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 9223372036854775807}}, {"$ref": "#/components/parameters/limit"}],
          "responses": {"200": {"description": "Statement page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AccountStatement"}}}},
            "404": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/ledger/transactions": {
          "get": {"summary": "Recent ledger transactions, newest first", "description": "Roles: admin, finance. Scope: read.", "parameters": [{"$ref": "#/components/parameters/limit"}],
            "responses": {"200": {"description": "Transactions", "content": {"application/json": {"schema": {"type": "object", "properties": {"transactions": {"type": "array", "items": {"$ref": "#/components/schemas/StoredTransaction"}}}}}}}}},
          "post": {"summary": "Post a balanced transaction, exactly once", "description": "Roles: admin, finance. Scope: ledger:write. Replaying the same key and content answers 200 duplicate; the same key with other content answers 409.",
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": true, "schema": {"type": "string", "pattern": \#(JSONText.quote(APIInput.ledgerKeyPattern))}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransactionRequest"}}}},
            "responses": {"201": {"description": "Posted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransactionResponse"}}}},
              "200": {"description": "Duplicate of an earlier post", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransactionResponse"}}}},
              "409": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
        },
        "/api/v1/audit/events": {"get": {"summary": "Audit trail, newest first", "description": "Roles: admin, compliance. Scope: read.",
          "parameters": [{"$ref": "#/components/parameters/limit"}, {"name": "entity_type", "in": "query", "schema": {"type": "string"}}, {"name": "entity_id", "in": "query", "schema": {"type": "string"}}],
          "responses": {"200": {"description": "Events", "content": {"application/json": {"schema": {"type": "object", "properties": {"events": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEvent"}}}}}}}}}},
        "/api/v1/jobs": {"get": {"summary": "Job queue / outbox", "description": "Role: admin. Scope: read.",
          "parameters": [{"$ref": "#/components/parameters/limit"}, {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["pending", "running", "done", "dead"]}}],
          "responses": {"200": {"description": "Jobs", "content": {"application/json": {"schema": {"type": "object", "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}}}}}}}},
        "/api/v1/trading/accounts": {"get": {"summary": "Trading accounts opened through Pipstack, newest first", "description": "Roles: admin, finance, compliance, dealing. Scope: read.",
          "parameters": [{"$ref": "#/components/parameters/limit"}, {"name": "server", "in": "query", "schema": {"type": "string"}}],
          "responses": {"200": {"description": "Accounts", "content": {"application/json": {"schema": {"type": "object", "properties": {"accounts": {"type": "array", "items": {"$ref": "#/components/schemas/TradingAccount"}}}}}}}}}},
        "/api/v1/trading/accounts/{server}/{login}/deals": {"get": {"summary": "An account's synced deals, newest first", "description": "Roles: admin, finance, compliance, dealing. Scope: read.",
          "parameters": [{"name": "server", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "login", "in": "path", "required": true, "schema": {"type": "string", "pattern": \#(JSONText.quote(APIInput.loginPattern))}},
                         {"$ref": "#/components/parameters/limit"}],
          "responses": {"200": {"description": "Deals", "content": {"application/json": {"schema": {"type": "object", "properties": {"deals": {"type": "array", "items": {"$ref": "#/components/schemas/Deal"}}}}}}},
            "404": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/trading/balance-operations": {"post": {"summary": "Request a balance operation on a trading account, exactly once",
          "description": "Roles: admin, finance. Scope: trading:write. Answers 202 when stored; it is then sent to the trade server (deposits are taken from the client's wallet first, withdrawals paid into it). The same key and content again answers 200 with its state; the same key with other content 409. An account that does not exist or is not active answers 404.",
          "parameters": [{"name": "Idempotency-Key", "in": "header", "required": true, "description": "becomes the operation id", "schema": {"type": "string", "pattern": \#(JSONText.quote(APIInput.operationKeyPattern))}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BalanceOperationRequest"}}}},
          "responses": {"202": {"description": "Stored", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BalanceOperation"}}},
              "links": {"GetOperation": {"operationId": "getBalanceOperation", "parameters": {"id": "$response.body#/id"}}}},
            "200": {"description": "Already requested", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BalanceOperation"}}}},
            "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/trading/balance-operations/{id}": {"get": {"operationId": "getBalanceOperation", "summary": "Where a balance operation stands", "description": "Roles: admin, finance. Scope: read.",
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "The operation", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BalanceOperation"}}}}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/client-events": {"post": {"summary": "Report a client's deposit, KYC approval or country, exactly once",
          "description": "Roles: admin, finance, compliance. Scope: clients:write. Partner rules (CPA) read these. Answers 201 when recorded, 200 when the same source and id came before with the same content, 409 with other content.",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClientEventRequest"}}}},
          "responses": {"201": {"description": "Recorded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClientEvent"}}}},
            "200": {"description": "Already recorded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClientEvent"}}}},
            "409": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/clients/{id}/events": {"get": {"summary": "A client's reported events, oldest first", "description": "Roles: admin, finance, compliance, IB manager. Scope: read.",
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "Events", "content": {"application/json": {"schema": {"type": "object", "properties": {"events": {"type": "array", "items": {"$ref": "#/components/schemas/ClientEvent"}}}}}}}}}},
        "/webhooks/psp/{provider}": {"post": {"operationId": "receivePaymentWebhook", "summary": "A payment provider's event (its webhook)", "security": [],
          "description": "No credentials: the provider's signature authenticates the delivery. The card provider signs as Stripe does: Stripe-Signature t=<unix>,v1=<hex HMAC-SHA256 of '<t>.<raw body>' under the endpoint secret>, within 300 s. A verified event is recorded, deduplicated by its id and applied before the 200; a delivery that fails the signature or is not an event gets a 400 and is kept for review with the reason, as is one for an unknown provider (404). Refused deliveries are kept up to a budget per sending address (60, refilled one a second); beyond it they get a 429 and are not kept. A verified event about a payment Pipstack does not know is acknowledged with a 200 and kept for review.",
          "parameters": [{"name": "provider", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "Stripe-Signature", "in": "header", "required": false, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "description": "An event in the provider's envelope (id, type, data.object)."}}}},
          "responses": {"200": {"description": "Recorded (applied, a repeat, late, ignored, or kept for review)", "content": {"application/json": {"schema": {"type": "object", "required": ["received", "outcome"],
              "properties": {"received": {"type": "boolean"}, "outcome": {"type": "string", "enum": ["applied", "duplicate", "stale", "ignored", "unknown_payment", "mismatch"]}}}}}},
            "404": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/Error"}}}}
      }
    }
    """#
}
