/// The OpenAPI 3.1 description of `/api/v1`. Later issues add their routes here,
/// next to their entry in `PermissionTable`; a test checks both list the same routes.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Pipstack API",
        "version": "1.0.0",
        "description": "Back-office API of Pipstack. Authenticate with an API key (Authorization: Bearer psk_...) or a session cookie; session calls that change data also send X-CSRF-Token. Amounts are decimal strings in the account's currency; times are integer microseconds since the Unix epoch, UTC. Errors are {\"error\":{\"status\",\"message\",\"request_id\"}}."
      },
      "servers": [{"url": "/"}],
      "security": [{"apiKey": []}, {"session": []}],
      "components": {
        "securitySchemes": {
          "apiKey": {"type": "http", "scheme": "bearer", "description": "psk_<id>_<secret>, created in the back office under API keys"},
          "session": {"type": "apiKey", "in": "cookie", "name": "ps_admin"}
        },
        "schemas": {
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "properties": {
            "status": {"type": "integer"}, "message": {"type": "string"}, "request_id": {"type": "string"}}}}},
          "Me": {"type": "object", "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": ["staff", "trader", "partner"]},
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
          "TransactionRequest": {"type": "object", "required": ["kind", "postings"], "properties": {
            "idempotency_key": {"type": "string", "maxLength": 200, "description": "or send the Idempotency-Key header"},
            "kind": {"type": "string", "maxLength": 64}, "memo": {"type": "string", "maxLength": 500},
            "occurred_at": {"type": "integer"},
            "postings": {"type": "array", "minItems": 2, "maxItems": 100, "items": {"type": "object", "required": ["account", "amount"], "properties": {
              "account": {"type": "string", "example": "client_wallet:usr_1:USD"},
              "amount": {"type": "string", "example": "-12.50", "description": "positive increases the account, negative decreases; the postings sum to zero per currency"}}}}}},
          "TransactionResponse": {"type": "object", "properties": {"idempotency_key": {"type": "string"}, "outcome": {"type": "string", "enum": ["posted", "duplicate"]}}},
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
        "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        "/api/v1/me": {"get": {"summary": "Who the caller is", "responses": {"200": {"description": "The caller", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/ledger/accounts": {"get": {"summary": "Ledger accounts with cached balances", "description": "Roles: admin, finance. Scope: read.",
          "responses": {"200": {"description": "Accounts", "content": {"application/json": {"schema": {"type": "object", "properties": {"accounts": {"type": "array", "items": {"$ref": "#/components/schemas/LedgerAccountBalance"}}}}}}}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/ledger/statement": {"get": {"summary": "One account's postings, newest first, with the balance after each", "description": "Roles: admin, finance. Scope: read. Page with before = next_before.",
          "parameters": [{"name": "account", "in": "query", "required": true, "schema": {"type": "string"}, "description": "account code kind:owner:CCY"},
                         {"name": "before", "in": "query", "schema": {"type": "integer"}}, {"$ref": "#/components/parameters/limit"}],
          "responses": {"200": {"description": "Statement page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AccountStatement"}}}},
            "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/ledger/transactions": {
          "get": {"summary": "Recent ledger transactions, newest first", "description": "Roles: admin, finance. Scope: read.", "parameters": [{"$ref": "#/components/parameters/limit"}],
            "responses": {"200": {"description": "Transactions", "content": {"application/json": {"schema": {"type": "object", "properties": {"transactions": {"type": "array", "items": {"$ref": "#/components/schemas/StoredTransaction"}}}}}}}, "400": {"$ref": "#/components/responses/Error"}}},
          "post": {"summary": "Post a balanced transaction, exactly once", "description": "Roles: admin, finance. Scope: ledger:write. Replaying the same key and content answers 200 duplicate; the same key with other content answers 409.",
            "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransactionRequest"}}}},
            "responses": {"201": {"description": "Posted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransactionResponse"}}}},
              "200": {"description": "Duplicate of an earlier post", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransactionResponse"}}}},
              "400": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
        },
        "/api/v1/audit/events": {"get": {"summary": "Audit trail, newest first", "description": "Roles: admin, compliance. Scope: read.",
          "parameters": [{"$ref": "#/components/parameters/limit"}, {"name": "entity_type", "in": "query", "schema": {"type": "string"}}, {"name": "entity_id", "in": "query", "schema": {"type": "string"}}],
          "responses": {"200": {"description": "Events", "content": {"application/json": {"schema": {"type": "object", "properties": {"events": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEvent"}}}}}}}}}},
        "/api/v1/jobs": {"get": {"summary": "Job queue / outbox", "description": "Role: admin. Scope: read.",
          "parameters": [{"$ref": "#/components/parameters/limit"}, {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["pending", "running", "done", "dead"]}}],
          "responses": {"200": {"description": "Jobs", "content": {"application/json": {"schema": {"type": "object", "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}}}}}}}}
      }
    }
    """#
}
