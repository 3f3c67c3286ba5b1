//! The receipt's fixed words, read from the UI's string catalogs (the `receipt.title*`,
//! `receipt.line.*` and `receipt.status.*` keys of `ui/src/lib/i18n/<lang>.json`), so the screen
//! and the paper are translated in one place.

use paydesk_money::InvoiceStatus;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Each language's catalog, compiled in so the till prints without the UI's sources at hand.
/// The tests below check this list against `config::LANGUAGES` and the files in the folder.
const CATALOGS: [(&str, &str); 2] = [
    ("en", include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/lib/i18n/en.json"))),
    ("es", include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/lib/i18n/es.json"))),
];

/// A receipt's fixed words in one language.
pub(super) struct Words {
    pub(super) receipt: String,
    pub(super) refund: String,
    pub(super) refund_of: String,
    pub(super) terminal: String,
    pub(super) time: String,
    pub(super) order: String,
    pub(super) gateway: String,
    pub(super) description: String,
    pub(super) status: String,
    pub(super) amount: String,
    pub(super) tip: String,
    pub(super) cashier: String,
    pub(super) priced: String,
    pub(super) rate: String,
    /// The name of a typed amount among the items.
    pub(super) item_amount: String,
    /// Net, tax, gross; then the words for an included and an added rate.
    pub(super) tax_columns: [String; 3],
    pub(super) included: String,
    pub(super) added: String,
    statuses: HashMap<InvoiceStatus, String>,
}

impl Words {
    /// The receipt's words from one catalog file, or what is wrong with it (the first key that is
    /// missing or blank).
    fn read(json: &str) -> Result<Words, String> {
        let catalog: HashMap<String, String> =
            serde_json::from_str(json).map_err(|e| format!("not a flat catalog of texts: {e}"))?;
        let word = |key: &str| match catalog.get(key) {
            Some(text) if !text.trim().is_empty() => Ok(text.clone()),
            _ => Err(format!("no text for {key}")),
        };
        let statuses = InvoiceStatus::ALL
            .into_iter()
            .map(|status| Ok((status, word(&format!("receipt.status.{}", status.as_str()))?)))
            .collect::<Result<_, String>>()?;
        Ok(Words {
            receipt: word("receipt.title")?,
            refund: word("receipt.title_refund")?,
            refund_of: word("receipt.line.refund_of")?,
            terminal: word("receipt.line.terminal")?,
            time: word("receipt.line.time")?,
            order: word("receipt.line.order")?,
            gateway: word("receipt.line.gateway")?,
            description: word("receipt.line.description")?,
            status: word("receipt.line.status")?,
            amount: word("receipt.line.amount")?,
            tip: word("receipt.line.tip")?,
            cashier: word("receipt.line.cashier")?,
            priced: word("receipt.line.priced")?,
            rate: word("receipt.line.rate")?,
            item_amount: word("receipt.item.amount")?,
            tax_columns: [word("receipt.tax.net")?, word("receipt.tax.tax")?, word("receipt.tax.gross")?],
            included: word("receipt.tax.included")?,
            added: word("receipt.tax.added")?,
            statuses,
        })
    }

    /// How the receipt names `status`.
    pub(super) fn status_word(&self, status: InvoiceStatus) -> &str {
        // `read` filled in every status of `InvoiceStatus::ALL`.
        self.statuses.get(&status).map_or("", String::as_str)
    }
}

/// Read once, on the first receipt. The catalogs are compiled in and the tests below read every
/// one of them, so a build whose tests pass cannot panic here.
static WORDS: LazyLock<Vec<(&str, Words)>> = LazyLock::new(|| {
    CATALOGS
        .iter()
        .map(|&(lang, json)| (lang, Words::read(json).unwrap_or_else(|e| panic!("ui/src/lib/i18n/{lang}.json: {e}"))))
        .collect()
});

/// The receipt's words in `language`; English for a language without a catalog.
pub(super) fn words(language: &str) -> &'static Words {
    let english = &WORDS[0].1;
    WORDS.iter().find(|(lang, _)| *lang == language).map_or(english, |(_, words)| words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LANGUAGES;

    #[test]
    fn every_language_has_every_receipt_word() {
        for (lang, json) in CATALOGS {
            if let Err(e) = Words::read(json) {
                panic!("ui/src/lib/i18n/{lang}.json: {e}");
            }
        }
        assert_eq!(CATALOGS[0].0, "en", "English comes first: it is the fallback");
    }

    #[test]
    fn a_missing_or_blank_word_is_caught() {
        let mut catalog: serde_json::Map<String, serde_json::Value> = serde_json::from_str(CATALOGS[0].1).unwrap();
        catalog.remove("receipt.status.paid_late");
        let missing = serde_json::to_string(&catalog).unwrap();
        assert_eq!(Words::read(&missing).err().as_deref(), Some("no text for receipt.status.paid_late"));
        catalog.insert("receipt.status.paid_late".into(), "Paid late".into());
        catalog.insert("receipt.line.amount".into(), " ".into());
        let blank = serde_json::to_string(&catalog).unwrap();
        assert_eq!(Words::read(&blank).err().as_deref(), Some("no text for receipt.line.amount"));
    }

    #[test]
    fn the_catalogs_are_the_tills_languages_and_the_uis_files() {
        let compiled: Vec<&str> = CATALOGS.iter().map(|(lang, _)| *lang).collect();
        assert_eq!(compiled, LANGUAGES, "the languages Settings accepts");
        // A language file added for the UI but not compiled in here would print English receipts.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/i18n");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|entry| entry.unwrap().file_name().to_str()?.strip_suffix(".json").map(String::from))
            .collect();
        files.sort();
        let mut compiled = compiled;
        compiled.sort();
        assert_eq!(files, compiled, "the catalogs in {}", dir.display());
    }

    #[test]
    fn an_unknown_language_gets_english() {
        assert_eq!(words("xx").receipt, "Receipt");
        assert_eq!(words("es").receipt, "Recibo");
    }
}
