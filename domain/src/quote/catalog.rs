//! The product catalog and its configuration constraints: which SKUs exist, their list prices,
//! units and options, which option requires or excludes another, and the quantities a line may
//! order. The shell passes the catalog inside each command that prices; the domain reads nothing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{Bps, Money};

/// The most products a catalog passed in one command may hold.
pub const CATALOG_PRODUCTS_MAX: usize = 10_000;
/// The most options one product may offer, and one line may select.
pub const OPTIONS_PER_PRODUCT_MAX: usize = 64;
/// The most option rules one product may carry.
pub const OPTION_RULES_PER_PRODUCT_MAX: usize = 128;
/// The longest catalog version, SKU, option key, product name or unit, in bytes; they are
/// copied into events.
pub const CATALOG_TEXT_BYTES_MAX: usize = 256;

/// A stock-keeping unit: a product's code, such as `CRM-SEAT`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Sku(pub String);

impl Sku {
    pub fn new(code: &str) -> Sku {
        Sku(code.to_owned())
    }
}

impl std::fmt::Display for Sku {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An option of a product, such as `sso` or `premium_support`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct OptionKey(pub String);

impl OptionKey {
    pub fn new(key: &str) -> OptionKey {
        OptionKey(key.to_owned())
    }
}

impl std::fmt::Display for OptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A configuration rule between two options of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptionRule {
    /// Selecting `option` needs `requires` selected too.
    Requires { option: OptionKey, requires: OptionKey },
    /// `option` and `excludes` may not be selected together.
    Excludes { option: OptionKey, excludes: OptionKey },
}

/// One sellable product. Options configure it; they carry no price of their own, so the
/// waterfall starts from one list price per SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub sku: Sku,
    pub name: String,
    /// The price of one unit before any price book, in the catalog's currency.
    pub list_price: Money,
    /// What one unit is, such as `seat/month`.
    pub unit: String,
    pub options: Vec<OptionKey>,
    pub rules: Vec<OptionRule>,
    pub quantity_min: u32,
    pub quantity_max: u32,
}

/// The catalog as the shell knows it when the command is sent; `version` names it in events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub version: String,
    pub products: Vec<Product>,
}

/// One line as the seller configures it, before pricing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct LineInput {
    pub sku: Sku,
    pub quantity: u32,
    pub options: Vec<OptionKey>,
    /// The seller's own discount on this line, applied last; checked against approval limits.
    pub manual_discount_bps: Bps,
}

/// Why a line's configuration is not sellable. The caller corrects the line and sends again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ConfigurationError {
    #[error("SKU {0} is not in the catalog")]
    UnknownSku(Sku),
    #[error("SKU {sku} has no option {option}")]
    UnknownOption { sku: Sku, option: OptionKey },
    #[error("option {option} is selected twice on SKU {sku}")]
    DuplicateOption { sku: Sku, option: OptionKey },
    #[error("on SKU {sku}, option {option} requires option {requires}")]
    OptionRequires { sku: Sku, option: OptionKey, requires: OptionKey },
    #[error("on SKU {sku}, option {option} excludes option {excludes}")]
    OptionExcludes { sku: Sku, option: OptionKey, excludes: OptionKey },
    #[error("SKU {sku} is sold in quantities {min} to {max}, not {quantity}")]
    QuantityOutOfRange { sku: Sku, quantity: u32, min: u32, max: u32 },
    /// The catalog itself breaks a limit or holds a SKU twice: the shell must fix its data.
    #[error("the catalog is invalid: {0}")]
    InvalidCatalog(String),
}

impl Catalog {
    pub fn product(&self, sku: &Sku) -> Option<&Product> {
        self.products.iter().find(|product| &product.sku == sku)
    }

    /// Checks the catalog's own limits, so a huge or ambiguous catalog is refused up front.
    pub fn validate(&self) -> Result<(), ConfigurationError> {
        if self.products.len() > CATALOG_PRODUCTS_MAX {
            return Err(ConfigurationError::InvalidCatalog(format!(
                "{} products, at most {CATALOG_PRODUCTS_MAX}",
                self.products.len()
            )));
        }
        let mut skus: Vec<&Sku> = self.products.iter().map(|product| &product.sku).collect();
        skus.sort();
        if let Some(pair) = skus.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ConfigurationError::InvalidCatalog(format!("SKU {} twice", pair[0])));
        }
        let long = |text: &str| text.is_empty() || text.len() > CATALOG_TEXT_BYTES_MAX;
        if long(&self.version) {
            return Err(ConfigurationError::InvalidCatalog(
                "version must be 1 to 256 bytes".into(),
            ));
        }
        for product in &self.products {
            let texts = [&product.sku.0, &product.name, &product.unit];
            if texts.into_iter().any(|text| long(text))
                || product.options.iter().any(|option| long(&option.0))
                || product.options.len() > OPTIONS_PER_PRODUCT_MAX
                || product.rules.len() > OPTION_RULES_PER_PRODUCT_MAX
                || product.quantity_min == 0
                || product.quantity_min > product.quantity_max
                || product.quantity_max > crate::order::LINE_QUANTITY_MAX
                || product.list_price.is_negative()
            {
                return Err(ConfigurationError::InvalidCatalog(format!(
                    "product {} breaks a limit",
                    product.sku
                )));
            }
        }
        Ok(())
    }

    /// The product a line orders, once its quantity and options satisfy every constraint.
    pub fn check_line(&self, line: &LineInput) -> Result<&Product, ConfigurationError> {
        let product = self
            .product(&line.sku)
            .ok_or_else(|| ConfigurationError::UnknownSku(line.sku.clone()))?;
        let sku = || product.sku.clone();
        if line.quantity < product.quantity_min || line.quantity > product.quantity_max {
            return Err(ConfigurationError::QuantityOutOfRange {
                sku: sku(),
                quantity: line.quantity,
                min: product.quantity_min,
                max: product.quantity_max,
            });
        }
        for (option_idx, option) in line.options.iter().enumerate() {
            if !product.options.contains(option) {
                return Err(ConfigurationError::UnknownOption {
                    sku: sku(),
                    option: option.clone(),
                });
            }
            if line.options[..option_idx].contains(option) {
                return Err(ConfigurationError::DuplicateOption {
                    sku: sku(),
                    option: option.clone(),
                });
            }
        }
        let selected = |option: &OptionKey| line.options.contains(option);
        for rule in &product.rules {
            match rule {
                OptionRule::Requires { option, requires }
                    if selected(option) && !selected(requires) =>
                {
                    return Err(ConfigurationError::OptionRequires {
                        sku: sku(),
                        option: option.clone(),
                        requires: requires.clone(),
                    });
                }
                OptionRule::Excludes { option, excludes }
                    if selected(option) && selected(excludes) =>
                {
                    return Err(ConfigurationError::OptionExcludes {
                        sku: sku(),
                        option: option.clone(),
                        excludes: excludes.clone(),
                    });
                }
                OptionRule::Requires { .. } | OptionRule::Excludes { .. } => {}
            }
        }
        Ok(product)
    }
}
