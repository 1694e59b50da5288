//! Identifiers of the aggregates and of the people who act on them. Each is its own type, so a
//! lead id can never be passed where an opportunity id is expected.

/// Declares an id newtype over a UUID with the derives every id needs. Also used by the
/// aggregates for the ids of the documents only they name (invoices, receipts, tasks, …).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
        pub struct $name(pub ::uuid::Uuid);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

pub(crate) use id_type;

id_type!(
    /// A lead: a possible buyer before qualification.
    LeadId
);
id_type!(
    /// A customer: the subject of the 360° view.
    CustomerId
);
id_type!(
    /// An opportunity: a deal moving through the pipeline.
    OpportunityId
);
id_type!(
    /// A quote, in all its versions.
    QuoteId
);
id_type!(
    /// An order placed from an accepted quote.
    OrderId
);
id_type!(
    /// A receivable and the payments against it.
    PaymentId
);
id_type!(
    /// A person using ltc.
    UserId
);
id_type!(
    /// A sales team; managers act on their team's records.
    TeamId
);
id_type!(
    /// A contact person of a customer; a converting lead names the one it becomes.
    ContactId
);
