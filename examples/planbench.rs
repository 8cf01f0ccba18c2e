//! Times the release plan of one large round on its own, without a database: the step of
//! a cold report that grows fastest with the organisation.
//!
//! The population is generated the way `reportbench` seeds its organisation: `--teams`
//! teams in a tree of `--depth` levels filled level by level, `--people` people spread
//! evenly over the teams below the root, five locations weighted 35/25/20/15/5 % and
//! start dates over eleven years (tenure bands). Each team's audience is generalised as
//! a round opening does ([`pulseline::surveys::generalise`]), a `--answered` share of it
//! answers, and the plan is made for the whole group with location and tenure cuts
//! ([`pulseline::anonymity::suppress::release`]), which is where the linear audit runs.
//!
//! ```text
//! cargo run --release --example planbench -- --people 100000 --teams 5000 --depth 6
//! ```

mod bench;

use std::time::Instant;

use bench::org::{LOCATIONS, fan_out, location};

use pulseline::anonymity::suppress::{Atom, Grid, Tree, release};
use pulseline::surveys::generalise::{OTHER, Segments, generalise};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const BANDS: [&str; 4] = ["<1y", "1-2y", "2-5y", "5y+"];

struct Args {
    people: usize,
    teams: usize,
    depth: u32,
    answered: f64,
    k: usize,
    seed: u64,
}

fn parse() -> anyhow::Result<Args> {
    let mut a = Args {
        people: 100_000,
        teams: 5_000,
        depth: 6,
        answered: 0.7,
        k: 5,
        seed: 7,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            println!(
                "planbench [--people N] [--teams N] [--depth N] [--answered SHARE] [--k N] [--seed N]\n\
                 Times the release plan (rules and linear audit) of one generated round."
            );
            std::process::exit(0);
        }
        let value = it
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--people" => a.people = value.parse()?,
            "--teams" => a.teams = value.parse()?,
            "--depth" => a.depth = value.parse()?,
            "--answered" => a.answered = value.parse()?,
            "--k" => a.k = value.parse()?,
            "--seed" => a.seed = value.parse()?,
            _ => anyhow::bail!("unknown option {flag} (see --help)"),
        }
    }
    anyhow::ensure!(a.teams >= 2, "--teams must be at least 2");
    anyhow::ensure!(a.depth >= 2, "--depth must be at least 2");
    Ok(a)
}

fn main() -> anyhow::Result<()> {
    let args = parse()?;
    let mut rng = StdRng::seed_from_u64(args.seed);
    // Node 0 is the plan's virtual root; team i is node i + 1, team 0 the company.
    let fan = fan_out(args.teams, args.depth);
    let mut parents: Vec<Option<usize>> = vec![None, Some(0)];
    for i in 1..args.teams {
        parents.push(Some((i - 1) / fan + 1));
    }
    let mut members: Vec<Vec<Segments>> = vec![Vec::new(); parents.len()];
    for _ in 0..args.people {
        let node = rng.gen_range(2..parents.len());
        let location = location(&mut rng);
        let months = rng.gen_range(10..4000) / 30;
        let band = match months {
            m if m < 12 => BANDS[0],
            m if m < 24 => BANDS[1],
            m if m < 60 => BANDS[2],
            _ => BANDS[3],
        };
        members[node].push([Some(location.into()), None, Some(band.into())]);
    }
    let index = |list: &[&str], v: &Option<String>| {
        v.as_deref()
            .and_then(|v| list.iter().position(|x| *x == v))
            .unwrap_or(list.len())
    };
    let locations: Vec<&str> = LOCATIONS.iter().map(|l| l.0).collect();
    let mut atoms: Vec<Atom> = Vec::new();
    let mut responses = 0usize;
    for (node, team) in members.iter_mut().enumerate() {
        generalise(team, [true, false, true], args.k);
        let mut here: Vec<Atom> = Vec::new();
        for m in team.iter() {
            if !rng.gen_bool(args.answered) {
                continue;
            }
            responses += 1;
            let values = vec![index(&locations, &m[0]), index(&BANDS, &m[2])];
            match here.iter_mut().find(|a| a.values == values) {
                Some(a) => a.size += 1,
                None => here.push(Atom {
                    node,
                    values,
                    size: 1,
                }),
            }
        }
        atoms.extend(here);
    }
    let grid = Grid {
        tree: Tree::from_parents(&parents),
        cut_sizes: vec![locations.len() + 1, BANDS.len() + 1],
        atoms,
    };
    let small = grid.atoms.iter().filter(|a| a.size < args.k).count();
    println!(
        "{} people, {} teams (depth {}, fan-out {fan}), {responses} responses in {} atoms ({small} under k = {}); `{OTHER}` counts as a value",
        args.people,
        args.teams,
        args.depth,
        grid.atoms.len(),
        args.k
    );
    let start = Instant::now();
    let shown = release(&grid, args.k, None);
    let released = shown.iter().flatten().filter(|b| **b).count();
    println!(
        "release plan: {:.2} s, {released} of {} cells released",
        start.elapsed().as_secs_f64(),
        shown.len() * grid.cols()
    );
    Ok(())
}
