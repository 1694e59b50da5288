//! The pricing waterfall with exact figures: each step of the precedence, the choice of books
//! and promotions, range and slab volume tiers at their boundaries, and every pricing rejection.

use super::*;
use crate::quote::pricing::price_line;

fn id(book: &str) -> PriceBookId {
    PriceBookId(book.into())
}

fn unit_step(step: StepKind, before: i64, after: i64, reason: StepReason) -> PricingStep {
    PricingStep {
        step,
        basis: PriceBasis::UnitPrice,
        before: eur(before),
        after: eur(after),
        reason,
    }
}

fn line_step(step: StepKind, before: i64, after: i64, reason: StepReason) -> PricingStep {
    PricingStep {
        step,
        basis: PriceBasis::LineAmount,
        before: eur(before),
        after: eur(after),
        reason,
    }
}

fn silver() -> PricingTerms {
    PricingTerms { tier: CustomerTier("silver".into()), ..terms() }
}

/// Only the general book, no promotions: what is left is list, book and volume.
fn book_only(volume: Option<VolumeSchedule>) -> PricingData {
    let year_2026 = (day(2026, 1, 1), day(2026, 12, 31));
    PricingData {
        catalog: catalog(),
        price_books: vec![book("EMEA-2026", None, year_2026, vec![entry("SEAT", 9_000, volume)])],
        promotions: vec![],
    }
}

fn amount(
    data: &PricingData,
    terms: &PricingTerms,
    line: LineInput,
) -> Result<Money, PricingError> {
    price_line(1, &line, data, terms).map(|priced| priced.amount)
}

#[test]
fn every_step_of_the_precedence_is_recorded_with_its_reason() {
    let priced =
        price_quote(&[line("SEAT", 20, 1_200), line("SUPPORT", 1, 0)], &pricing_data(), &terms())
            .unwrap();
    let catalog_version = || StepReason::ListPrice { catalog_version: "2026.03".into() };
    let gold = || CustomerTier("gold".into());
    assert_eq!(
        priced.lines[0].waterfall,
        vec![
            unit_step(StepKind::List, 10_000, 10_000, catalog_version()),
            unit_step(
                StepKind::PriceBook,
                10_000,
                9_000,
                StepReason::PriceBook { book: id("EMEA-2026") }
            ),
            unit_step(
                StepKind::CustomerTier,
                9_000,
                8_500,
                StepReason::TierPriceBook { book: id("EMEA-GOLD-2026"), tier: gold() },
            ),
            // 20 seats reach the 10+ tier of the general book: 85.00 less 5 % is 80.75 each.
            line_step(
                StepKind::Volume,
                170_000,
                161_500,
                StepReason::VolumeRange { quantity_from: 10, discount_bps: Bps(500) }
            ),
            // SPRING takes 80.75 off, more than WELCOME's 50.00, so SPRING alone applies.
            line_step(
                StepKind::Promotion,
                161_500,
                153_425,
                StepReason::Promotion {
                    promotion: PromotionId("SPRING".into()),
                    benefit: PromotionBenefit::PercentOff(Bps(500)),
                },
            ),
            line_step(
                StepKind::ManualDiscount,
                153_425,
                135_014,
                StepReason::ManualDiscount { discount_bps: Bps(1_200) }
            ),
        ]
    );
    assert_eq!(
        priced.lines[1].waterfall,
        vec![
            unit_step(StepKind::List, 50_000, 50_000, catalog_version()),
            unit_step(
                StepKind::PriceBook,
                50_000,
                45_000,
                StepReason::PriceBook { book: id("EMEA-2026") }
            ),
            unit_step(
                StepKind::CustomerTier,
                45_000,
                45_000,
                StepReason::NotInTierPriceBook { book: id("EMEA-GOLD-2026"), tier: gold() },
            ),
            line_step(StepKind::Volume, 45_000, 45_000, StepReason::NoVolumeSchedule),
            line_step(
                StepKind::Promotion,
                45_000,
                40_000,
                StepReason::Promotion {
                    promotion: PromotionId("WELCOME".into()),
                    benefit: PromotionBenefit::AmountOff(eur(5_000)),
                },
            ),
            line_step(
                StepKind::ManualDiscount,
                40_000,
                40_000,
                StepReason::ManualDiscount { discount_bps: Bps(0) }
            ),
        ]
    );
    assert_eq!((priced.lines[0].amount, priced.lines[1].amount), (eur(135_014), eur(40_000)));
    assert_eq!(priced.total, eur(175_014));
    assert_eq!((priced.lines[0].line_no, priced.lines[1].line_no), (1, 2));
}

#[test]
fn without_price_books_the_list_price_stands_and_the_waterfall_says_so() {
    let data = PricingData { catalog: catalog(), price_books: vec![], promotions: vec![] };
    let priced = price_line(1, &line("SEAT", 3, 0), &data, &terms()).unwrap();
    let reasons: Vec<StepReason> =
        priced.waterfall.iter().map(|step| step.reason.clone()).collect();
    assert_eq!(
        reasons[1..5],
        [
            StepReason::NoPriceBook,
            StepReason::NoTierPriceBook { tier: CustomerTier("gold".into()) },
            StepReason::NoVolumeSchedule,
            StepReason::NoPromotion,
        ]
    );
    assert_eq!(priced.amount, eur(30_000));
}

#[test]
fn the_book_valid_on_the_pricing_date_applies_and_the_latest_start_wins_in_any_order() {
    let in_2025 = PricingTerms { pricing_date: day(2025, 6, 1), ..silver() };
    let data = book_only(None);
    let mut with_2025 = pricing_data();
    with_2025.promotions.clear();
    assert_eq!(amount(&with_2025, &in_2025, line("SEAT", 1, 0)), Ok(eur(1)), "EMEA-2025 in 2025");
    assert_eq!(amount(&data, &in_2025, line("SEAT", 1, 0)), Ok(eur(10_000)), "no book in 2025");

    let mut books = data.price_books.clone();
    books.push(book(
        "EMEA-2026-H2",
        None,
        (day(2026, 6, 1), day(2026, 12, 31)),
        vec![entry("SEAT", 8_000, None)],
    ));
    books.push(book(
        "EMEA-2026-H2-B",
        None,
        (day(2026, 6, 1), day(2026, 12, 31)),
        vec![entry("SEAT", 7_000, None)],
    ));
    let in_july = PricingTerms { pricing_date: day(2026, 7, 1), ..silver() };
    for order in [books.clone(), books.iter().rev().cloned().collect()] {
        let data = PricingData { price_books: order, ..data.clone() };
        let priced = price_line(1, &line("SEAT", 1, 0), &data, &in_july).unwrap();
        // Same start date: the smaller id, EMEA-2026-H2, wins over EMEA-2026-H2-B.
        assert_eq!(priced.waterfall[1].reason, StepReason::PriceBook { book: id("EMEA-2026-H2") });
        assert_eq!(priced.amount, eur(8_000));
    }
    assert_eq!(amount(&data, &silver(), line("SEAT", 1, 0)), Ok(eur(9_000)), "before June");
}

#[test]
fn a_range_tier_prices_every_unit_at_the_tier_reached_from_its_first_unit() {
    let data = book_only(range(&[(10, 500), (100, 1_000)], VolumeMethod::Range));
    let cases = [
        (9, 9 * 9_000),
        (10, 10 * 8_550),
        (99, 99 * 8_550),
        (100, 100 * 8_100),
        (101, 101 * 8_100),
    ];
    for (quantity, expected) in cases {
        assert_eq!(
            amount(&data, &silver(), line("SEAT", quantity, 0)),
            Ok(eur(expected)),
            "{quantity} seats"
        );
    }
    let below = price_line(1, &line("SEAT", 9, 0), &data, &silver()).unwrap();
    assert_eq!(below.waterfall[3].reason, StepReason::BelowFirstVolumeTier { quantity_from: 10 });
}

#[test]
fn a_slab_tier_prices_each_band_of_units_at_its_own_tier() {
    let data = book_only(range(&[(5, 1_000), (10, 2_000)], VolumeMethod::Slab));
    let priced = price_line(1, &line("SEAT", 12, 0), &data, &silver()).unwrap();
    let band = |quantity_from, units, bps, unit_price_minor| SlabBand {
        quantity_from,
        units,
        discount_bps: Bps(bps),
        unit_price: eur(unit_price_minor),
    };
    assert_eq!(
        priced.waterfall[3],
        line_step(
            StepKind::Volume,
            108_000,
            98_100,
            StepReason::VolumeSlab {
                bands: vec![
                    band(1, 4, 0, 9_000),
                    band(5, 5, 1_000, 8_100),
                    band(10, 3, 2_000, 7_200)
                ]
            },
        )
    );
    assert_eq!(
        amount(&data, &silver(), line("SEAT", 4, 0)),
        Ok(eur(36_000)),
        "below the first tier"
    );
    assert_eq!(amount(&data, &silver(), line("SEAT", 5, 0)), Ok(eur(36_000 + 8_100)));
}

#[test]
fn the_best_promotion_applies_alone_ties_go_to_the_smaller_id_and_amounts_stop_at_zero() {
    let mut data = pricing_data();
    let in_may = PricingTerms { pricing_date: day(2026, 5, 10), ..silver() };
    let priced = price_line(1, &line("SEAT", 1, 0), &data, &in_may).unwrap();
    assert_eq!(priced.waterfall[4].after, eur(4_000), "SPRING is over: WELCOME's 50.00 applies");

    data.promotions.push(promotion(
        "ALSO-FIFTY",
        None,
        (day(2026, 1, 1), day(2026, 12, 31)),
        PromotionBenefit::AmountOff(eur(5_000)),
    ));
    let priced = price_line(1, &line("SEAT", 1, 0), &data, &in_may).unwrap();
    assert!(
        matches!(&priced.waterfall[4].reason, StepReason::Promotion { promotion, .. } if promotion.0 == "ALSO-FIFTY")
    );

    data.promotions.push(promotion(
        "HUGE",
        None,
        (day(2026, 1, 1), day(2026, 12, 31)),
        PromotionBenefit::AmountOff(eur(1_000_000)),
    ));
    assert_eq!(amount(&data, &in_may, line("SEAT", 1, 0)), Ok(eur(0)));
}

#[test]
fn percentages_round_half_away_from_zero_to_the_minor_unit() {
    let mut data = PricingData { catalog: catalog(), price_books: vec![], promotions: vec![] };
    data.catalog.products[1].list_price = eur(5);
    // 10 % of 0.05 is half a cent: it rounds up to 0.01 off, leaving 0.04.
    assert_eq!(amount(&data, &terms(), line("SUPPORT", 1, 1_000)), Ok(eur(4)));
    data.catalog.products[1].list_price = eur(4);
    assert_eq!(amount(&data, &terms(), line("SUPPORT", 1, 1_000)), Ok(eur(4)), "0.4 rounds to 0");
}

#[test]
fn a_line_must_satisfy_the_catalogs_options_rules_and_quantities() {
    let configured = |quantity, options: &[&str]| LineInput {
        options: options.iter().map(|key| option(key)).collect(),
        ..line("SEAT", quantity, 0)
    };
    let seat = || sku("SEAT");
    let cases = [
        (configured(1, &["sso", "audit_log"]), None),
        (line("GADGET", 1, 0), Some(ConfigurationError::UnknownSku(sku("GADGET")))),
        (
            configured(1, &["fax"]),
            Some(ConfigurationError::UnknownOption { sku: seat(), option: option("fax") }),
        ),
        (
            configured(1, &["sso", "sso"]),
            Some(ConfigurationError::DuplicateOption { sku: seat(), option: option("sso") }),
        ),
        (
            configured(1, &["audit_log"]),
            Some(ConfigurationError::OptionRequires {
                sku: seat(),
                option: option("audit_log"),
                requires: option("sso"),
            }),
        ),
        (
            configured(1, &["basic_auth", "sso"]),
            Some(ConfigurationError::OptionExcludes {
                sku: seat(),
                option: option("sso"),
                excludes: option("basic_auth"),
            }),
        ),
        (
            configured(0, &[]),
            Some(ConfigurationError::QuantityOutOfRange {
                sku: seat(),
                quantity: 0,
                min: 1,
                max: 10_000,
            }),
        ),
        (
            configured(10_001, &[]),
            Some(ConfigurationError::QuantityOutOfRange {
                sku: seat(),
                quantity: 10_001,
                min: 1,
                max: 10_000,
            }),
        ),
    ];
    for (line, expected) in cases {
        let result = price_quote(std::slice::from_ref(&line), &pricing_data(), &terms());
        assert_eq!(result.err(), expected.map(PricingError::Configuration), "{line:?}");
    }
}

#[test]
fn a_currency_without_a_book_the_line_count_and_malformed_data_are_rejected() {
    let dollars = PricingTerms { currency: Currency::new("USD").unwrap(), ..terms() };
    assert_eq!(
        price_quote(&[line("SEAT", 1, 0)], &pricing_data(), &dollars),
        Err(PricingError::NoPriceInCurrency { sku: sku("SEAT"), currency: dollars.currency })
    );
    assert_eq!(price_quote(&[], &pricing_data(), &terms()), Err(PricingError::LineCount(0)));
    let too_many = vec![line("SEAT", 1, 0); QUOTE_LINES_MAX + 1];
    assert_eq!(
        price_quote(&too_many, &pricing_data(), &terms()),
        Err(PricingError::LineCount(201))
    );
    assert_eq!(
        price_quote(&[line("SEAT", 1, 10_001)], &pricing_data(), &terms()),
        Err(PricingError::DiscountOver100(Bps(10_001)))
    );

    let mut dollar_entry = pricing_data();
    dollar_entry.price_books[0].entries[0].unit_price = usd(9_000);
    let mut unsorted_tiers = pricing_data();
    unsorted_tiers.price_books[0].entries[0].volume =
        range(&[(10, 500), (10, 900)], VolumeMethod::Range);
    let mut backwards = pricing_data();
    backwards.price_books[1].valid_until = day(2025, 1, 1);
    for data in [dollar_entry, unsorted_tiers, backwards] {
        let result = price_quote(&[line("SEAT", 1, 0)], &data, &terms());
        assert!(matches!(result, Err(PricingError::InvalidPriceBook { .. })), "{result:?}");
    }

    let mut over_100 = pricing_data();
    over_100.promotions[0].benefit = PromotionBenefit::PercentOff(Bps(10_001));
    let result = price_quote(&[line("SEAT", 1, 0)], &over_100, &terms());
    assert!(matches!(result, Err(PricingError::InvalidPromotion { .. })), "{result:?}");
    let mut dollar_promotion = pricing_data();
    dollar_promotion.promotions[1].benefit = PromotionBenefit::AmountOff(usd(5_000));
    assert_eq!(
        price_quote(&[line("SUPPORT", 1, 0)], &dollar_promotion, &terms()),
        Err(PricingError::PromotionCurrency {
            promotion: PromotionId("WELCOME".into()),
            expected: Currency::new("EUR").unwrap(),
            got: Currency::new("USD").unwrap(),
        })
    );
    let mut long_id = pricing_data();
    long_id.price_books[0].id = PriceBookId("B".repeat(ID_BYTES_MAX + 1));
    let result = price_quote(&[line("SEAT", 1, 0)], &long_id, &terms());
    assert!(matches!(result, Err(PricingError::InvalidPriceBook { .. })), "{result:?}");
    let mut long_name = pricing_data();
    long_name.catalog.products[0].name = "n".repeat(CATALOG_TEXT_BYTES_MAX + 1);
    let result = price_quote(&[line("SEAT", 1, 0)], &long_name, &terms());
    assert!(
        matches!(result, Err(PricingError::Configuration(ConfigurationError::InvalidCatalog(_)))),
        "{result:?}"
    );
    let mut twice = pricing_data();
    twice.catalog.products.push(twice.catalog.products[0].clone());
    let result = price_quote(&[line("SEAT", 1, 0)], &twice, &terms());
    assert!(
        matches!(result, Err(PricingError::Configuration(ConfigurationError::InvalidCatalog(_)))),
        "{result:?}"
    );
}

#[test]
fn a_volume_discount_is_rounded_once_on_the_line_never_per_unit() {
    // A 3-cent seat at 50 % off: 1,000 seats cost 15.00. Rounding the discounted unit first
    // (1.5 cents to 1) would charge 10.00 and give away a third of the line.
    let year_2026 = (day(2026, 1, 1), day(2026, 12, 31));
    for method in [VolumeMethod::Range, VolumeMethod::Slab] {
        let data = PricingData {
            catalog: catalog(),
            price_books: vec![book(
                "EMEA-2026",
                None,
                year_2026,
                vec![entry("SEAT", 3, range(&[(1, 5_000)], method))],
            )],
            promotions: vec![],
        };
        assert_eq!(amount(&data, &silver(), line("SEAT", 1_000, 0)), Ok(eur(1_500)), "{method:?}");
    }
}
