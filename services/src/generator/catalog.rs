//! The small catalog the simulated company sells, its price books per region and customer tier
//! (with volume tiers on seats), and two recurring promotions. Everything is in euros.

use chrono::NaiveDate;
use ltc_domain::money::{Bps, Currency, Money};
use ltc_domain::quote::{
    Catalog, CustomerTier, PriceBook, PriceBookEntry, PriceBookId, PricingData, Product, Promotion,
    PromotionBenefit, PromotionId, Region, Sku, VolumeMethod, VolumeSchedule, VolumeTier,
};

pub(super) const REGIONS: [&str; 3] = ["north", "central", "south"];
pub(crate) const SEAT: &str = "CRM-SEAT";
pub(super) const ANALYTICS: &str = "ANALYTICS";
pub(super) const ONBOARDING: &str = "ONBOARDING";
pub(crate) const SUPPORT: &str = "SUPPORT";
/// Years the price books and promotions cover, from the first simulated year on.
const YEARS: i32 = 5;

pub(super) fn eur() -> Currency {
    Currency::new("EUR").expect("EUR is a currency code")
}

pub(super) fn euros(amount_minor: i64) -> Money {
    Money::new(amount_minor, eur())
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a calendar date")
}

fn product(sku: &str, name: &str, list_minor: i64, unit: &str, quantity_max: u32) -> Product {
    Product {
        sku: Sku::new(sku),
        name: name.into(),
        list_price: euros(list_minor),
        unit: unit.into(),
        options: vec![],
        rules: vec![],
        quantity_min: 1,
        quantity_max,
    }
}

fn entry(sku: &str, unit_price_minor: i64, volume: Option<VolumeSchedule>) -> PriceBookEntry {
    PriceBookEntry { sku: Sku::new(sku), unit_price: euros(unit_price_minor), volume }
}

fn seat_volume() -> Option<VolumeSchedule> {
    let tier = |quantity_from, bps| VolumeTier { quantity_from, discount_bps: Bps(bps) };
    Some(VolumeSchedule {
        method: VolumeMethod::Range,
        tiers: vec![tier(50, 500), tier(200, 1_000), tier(500, 1_500)],
    })
}

/// The pricing data every quote of the simulation carries, valid from `first_year` on.
pub(crate) fn pricing_data(first_year: i32) -> PricingData {
    let catalog = Catalog {
        version: format!("{first_year}.1"),
        products: vec![
            product(SEAT, "CRM seat", 12_000, "seat/year", 5_000),
            product(ANALYTICS, "Analytics add-on", 4_800, "seat/year", 5_000),
            product(ONBOARDING, "Onboarding package", 600_000, "package", 1),
            product(SUPPORT, "Premium support", 900_000, "year", 1),
        ],
    };
    let (from, until) = (day(first_year, 1, 1), day(first_year + YEARS, 12, 31));
    let mut price_books = Vec::new();
    for (n, region) in (0..).zip(REGIONS) {
        // Prices differ a little per region: the south book is 5 % cheaper, and so on.
        let seat = 11_000 - 500 * n;
        let book = |id: String, tier: Option<&str>, seat: i64, analytics: i64| PriceBook {
            id: PriceBookId(id),
            currency: eur(),
            region: Region(region.into()),
            tier: tier.map(|tier| CustomerTier(tier.into())),
            valid_from: from,
            valid_until: until,
            entries: vec![
                entry(SEAT, seat, seat_volume()),
                entry(ANALYTICS, analytics, None),
                entry(ONBOARDING, 550_000, None),
                entry(SUPPORT, 850_000, None),
            ],
        };
        price_books.push(book(format!("{region}-list"), None, seat, 4_500));
        price_books.push(book(format!("{region}-key"), Some("key"), seat - 800, 4_200));
        price_books.push(book(
            format!("{region}-strategic"),
            Some("strategic"),
            seat - 1_600,
            3_900,
        ));
    }
    let mut promotions = Vec::new();
    for year in first_year..=first_year + YEARS {
        promotions.push(Promotion {
            id: PromotionId(format!("spring-analytics-{year}")),
            sku: Some(Sku::new(ANALYTICS)),
            valid_from: day(year, 3, 1),
            valid_until: day(year, 4, 30),
            benefit: PromotionBenefit::PercentOff(Bps(1_500)),
        });
        promotions.push(Promotion {
            id: PromotionId(format!("year-end-onboarding-{year}")),
            sku: Some(Sku::new(ONBOARDING)),
            valid_from: day(year, 11, 15),
            valid_until: day(year, 12, 31),
            benefit: PromotionBenefit::AmountOff(euros(100_000)),
        });
    }
    PricingData { catalog, price_books, promotions }
}
