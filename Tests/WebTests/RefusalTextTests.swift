import BrokerCore
import CommissionsCore
import CommissionsWeb
import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Partners
import Testing
import WebKit

/// Staff read the slices' refusals in their own language: the field by its label and
/// the reason from the catalogue, with the values it names kept as they are.
@Suite struct RefusalTextTests {
    @Test func everyTemplateIsInEveryLanguageWithTheSamePlaceholders() throws {
        let english = try CatalogueTests.catalogue("en")
        #expect(Set(RefusalText.templates.map(\.key)).count == RefusalText.templates.count, "one key per template")
        for template in RefusalText.templates {
            #expect(english[template.key] == template.english, "\(template.key): the English text is the template")
        }
        for language in ["es", "ar"] {
            let catalogue = try CatalogueTests.catalogue(language)
            for template in RefusalText.templates {
                let text = try #require(catalogue[template.key], "\(language) lacks \(template.key)")
                #expect(text != template.english, "\(language): \(template.key) is not translated")
                #expect(Set(RefusalText.placeholders(text)) == Set(RefusalText.placeholders(template.english)), "\(language): \(template.key)")
            }
        }
    }

    @Test func reasonsAndFieldsReadInTheReadersLanguage() throws {
        let spanish = try CatalogueTests.catalogue("es")
        let t = { (key: String) in spanish[key] ?? key }
        #expect(RefusalText.localized("email: an email address like name@example.com", t) == "Email: una dirección de email como nombre@ejemplo.com")
        #expect(RefusalText.localized("id: partner gold_ib exists already", t) == "Id: el socio gold_ib ya existe")
        #expect(RefusalText.localized("master is below sub in the tree: the move would make a cycle", t)
                == "master está por debajo de sub en el árbol: el cambio crearía un ciclo")
        #expect(RefusalText.localized("primary_color: #12 is not a #rgb or #rrggbb color", t) == "Color principal: #12 no es un color #rgb o #rrggbb")
        #expect(RefusalText.localized("amount: 12x is not an amount in USD", t) == "Importe: 12x no es un importe en USD")
        #expect(RefusalText.localized("not enough money: /api/trade/balance: 10019 No money", t) == "no hay fondos suficientes: /api/trade/balance: 10019 No money")
        #expect(RefusalText.localized("subject_id: no trading account mt5:1 (write server:login)", t)
                == "Cliente o cuenta: no existe la cuenta de trading mt5:1 (escriba servidor:login)", "the particular template wins over the general one")
        // A reason no template knows stays as the slice wrote it, under the field's label.
        #expect(RefusalText.localized("name: something new", t) == "Nombre: something new")
        #expect(RefusalText.localized("Something: Else", t) == "Something: Else")
        let arabic = try CatalogueTests.catalogue("ar")
        #expect(RefusalText.localized("port: 1 to 65535", { arabic[$0] ?? $0 }) == "المنفذ: من 1 إلى 65535")
    }

    @Test func aSpanishSpeakingManagerReadsThePartnerFormsRefusalInSpanish() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let manager = try #require(harness.users[.staff(.ibManager)])
        try await harness.services.identity.rememberLanguage(userID: manager.id, .es)
        let session = try #require(try await harness.session(for: .staff(.ibManager)))
        try await harness.test { client in
            let refused = try await client.execute(uri: "/admin/partners", method: .post, headers: formHeaders(cookie: session.cookie), body: form([
                ("_csrf", session.csrf), ("id", "mailless"), ("name", "No Mail"), ("email", "notanemail"), ("kind", "ib"), ("legal_type", "person"),
                ("parent", ""), ("plan", ""),
            ]))
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("Email: una dirección de email como nombre@ejemplo.com"), "\(refused.text.prefix(2_000))")
            #expect(!refused.text.contains("an email address like"))
        }
    }

    /// A refused form comes back with what was typed and the refusal next to its field,
    /// so one wrong value does not mean typing the whole form again.
    @Test func aRefusedFormKeepsWhatWasTypedAndShowsTheRefusalAtItsField() async throws {
        let harness = try await WebHarness.make("sqlite")
        defer { Task { await harness.db.close() } }
        let session = try #require(try await harness.session(for: .staff(.ibManager)))
        try await harness.test { client in
            let refused = try await client.execute(uri: "/admin/partners", method: .post, headers: formHeaders(cookie: session.cookie), body: form([
                ("_csrf", session.csrf), ("id", "mailless"), ("name", "No <Mail>"), ("email", "notanemail"), ("kind", "affiliate"), ("legal_type", "company"),
                ("parent", ""), ("plan", ""), ("from", "2026-01-02"),
            ]))
            let page = refused.text
            #expect(refused.status == .badRequest)
            #expect(page.contains(#"name="id" type="text" value="mailless""#) && page.contains(#"value="No &lt;Mail&gt;""#)
                    && page.contains(#"name="from" type="date" value="2026-01-02""#), "what was typed is kept, escaped")
            #expect(page.contains(#"<option value="affiliate" selected>"#) && page.contains(#"<option value="company" selected>"#))
            #expect(page.contains(#"<span class="field-error">an email address like name@example.com</span><input id="f-create-email" name="email" type="email" value="notanemail""#),
                    "the refusal is at the email field: \(page.prefix(3_000))")
            #expect(page.contains(##"href="#f-create-email""##), "the form's summary links to the field")
        }
    }

    /// What plan validation says about a plan document reads in the staff member's
    /// language, the path into the document kept as written.
    @Test func planRefusalsReadInEveryLanguage() throws {
        let documents = [
            #"{"id":"g","name":"G","rules":[{"id":"r","kind":"per_lot","rates":{"default":"7,00"}}]}"#,
            #"{"id":"g","rules":[]}"#,
            #"{"id":"g","name":"G","rules":[]}"#,
            #"{"id":"g","name":"G","rules":[{"id":"r","kind":"per_lot","rates":{}}]}"#,
            #"{"id":"g","name":"G","rules":[{"id":"r","kind":"per_lot","rates":{"default":"1"}},{"id":"r","kind":"per_lot","rates":{"default":"1"}}]}"#,
            #"{"id":"g","name":"G","distribution":{"kind":"percent_of_level_above","shares":["120%"]},"rules":[{"id":"r","kind":"per_lot","rates":{"default":"1"}}]}"#,
            #"{"id":"g","name":"G","filters":{"min_hold_seconds":-1},"rules":[{"id":"r","kind":"per_lot","rates":{"default":"1"}}]}"#,
            #"{"id":"g","name":"G","cpa":{"min_first_deposit":"1.001","within_days":30,"bands":[]}}"#,
            #"{"id":"g","name":"G","cpa":{"min_first_deposit":"100","within_days":0,"bands":[]}}"#,
            #"{"id":"g","name":"G","rules":[{"id":"r","kind":"spread_share","share":"30%"}]}"#,
            "not json",
        ]
        let catalogues = try ["es", "ar"].map { try CatalogueTests.catalogue($0) }
        var seen: Set<String> = []
        for document in documents {
            do {
                let plan = try PlanValidationError.plan(fromJSON: Array(document.utf8))
                Issue.record("accepted \(document): \(plan.id)")
            } catch {
                seen.insert(error.message)
                for catalogue in catalogues {
                    #expect(RefusalText.translate(error.message, { catalogue[$0] ?? $0 }) != nil, "no template for \(error.message)")
                }
            }
        }
        #expect(seen.count >= 8, "the documents are refused for different reasons: \(seen)")
        let spanish = catalogues[0]
        #expect(RefusalText.localized("rules[0].rates.default: 7,00 is not a non-negative amount with at most 8 decimals", { spanish[$0] ?? $0 })
                == "rules[0].rates.default: 7,00 no es un importe no negativo con 8 decimales como máximo")
    }

    /// The engine's explanation sentences are whole templates in every language, and a
    /// deal that earns nothing says why in the reader's words and word order.
    @Test func explanationSentencesReadInEveryLanguage() throws {
        for language in ["en", "es", "ar"] {
            let catalogue = try CatalogueTests.catalogue(language)
            for sentence in ExplainText.sentences {
                let text = try #require(catalogue[sentence.key], "\(language) lacks \(sentence.key)")
                #expect(Set(SentenceTemplates.placeholders(text)) == Set(SentenceTemplates.placeholders(sentence.english)), "\(language): \(sentence.key)")
                if language == "en" { #expect(text == sentence.english) }
            }
        }
        let spanish = try CatalogueTests.catalogue("es")
        let es = { (note: String) in ExplainText.localized(note, { spanish[$0] ?? $0 }) }
        #expect(es("deal 5 earns nothing: plan gold v2 earns on close deals only") == "la operación 5 no genera nada: el plan gold v2 solo genera en operaciones de cierre")
        #expect(es("deal 7 earns nothing: held 30 s, less than the plan's minimum of 60 s")
                == "la operación 7 no genera nada: mantenida 30 s, menos que el mínimo del plan de 60 s")
        #expect(es("deal 8 earns nothing: the account has no partner") == "la operación 8 no genera nada: " + (spanish["explain_f_no_partner"] ?? ""))
    }
}
