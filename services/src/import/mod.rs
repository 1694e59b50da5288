//! `ltc import`: leads, customers and opportunities from a spreadsheet (CSV), row by row through
//! [`Engine::execute`](crate::engine::Engine::execute), the same door `ltc demo` and the NATS
//! command service use, so dedupe, scoring, assignment and authorization all apply.
//!
//! A row that fails is reported with its line and reason while the good rows go in. Every row's
//! command id derives from the row's identity (`identity.rs`): its `key` column if the file has
//! one, else the values it holds. So a re-run of the same file imports nothing twice, and after
//! a bad row is fixed the re-run imports that row alone: the good rows keep their ids (and are
//! answered "already imported"), the fixed row has new values and so a new id.
//!
//! `--dry-run` runs the very same import against a scratch copy of the log (`dry_run.rs`), so
//! it reports exactly what a real run would, and the log itself is not touched.

mod customer_names;
mod customers;
mod dry_run;
mod fields;
mod identity;
mod leads;
pub mod mapping;
pub mod money;
mod opportunities;
mod report;
mod rows;
mod run;

pub use dry_run::with_scratch_copy;
pub use report::{ImportReport, Outcome, RowReport};
pub use run::{ImportError, ImportOptions, import};

/// What a file holds: one record per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Leads,
    Customers,
    Opportunities,
}

impl std::fmt::Display for ImportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ImportKind::Leads => "lead",
            ImportKind::Customers => "customer",
            ImportKind::Opportunities => "opportunity",
        })
    }
}

const LEAD_FIELDS: &[&str] = &[
    "key",
    "name",
    "email",
    "phone",
    "company_name",
    "website",
    "industry",
    "region",
    "company_size",
    "channel",
    "owner",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "referrer",
];

const CUSTOMER_FIELDS: &[&str] =
    &["key", "name", "industry", "region", "tier", "owner", "credit_limit", "currency"];

const OPPORTUNITY_FIELDS: &[&str] = &[
    "key",
    "customer_id",
    "customer_key",
    "customer",
    "name",
    "owner",
    "amount",
    "currency",
    "expected_close",
];

impl ImportKind {
    /// The subcommand's word for the kind: `leads`, `customers`, `opportunities`.
    pub fn plural(self) -> &'static str {
        match self {
            ImportKind::Leads => "leads",
            ImportKind::Customers => "customers",
            ImportKind::Opportunities => "opportunities",
        }
    }

    /// Every field a row of this kind may hold, by the name a header or the mapping gives it.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            ImportKind::Leads => LEAD_FIELDS,
            ImportKind::Customers => CUSTOMER_FIELDS,
            ImportKind::Opportunities => OPPORTUNITY_FIELDS,
        }
    }

    /// The field called `name`, as the `'static` name rows are keyed by.
    pub fn field(self, name: &str) -> Option<&'static str> {
        self.fields().iter().copied().find(|field| *field == name)
    }

    /// Fields a file must have a column (or a default) for; each inner list is "one of these".
    /// A row may still leave a cell empty, which fails that row alone.
    pub fn required_columns(self) -> &'static [&'static [&'static str]] {
        match self {
            ImportKind::Leads => &[&["name"]],
            ImportKind::Customers => &[&["name"], &["industry"], &["region"], &["currency"]],
            ImportKind::Opportunities => &[
                &["customer_id", "customer_key", "customer"],
                &["name"],
                &["amount"],
                &["currency"],
                &["expected_close"],
            ],
        }
    }
}
