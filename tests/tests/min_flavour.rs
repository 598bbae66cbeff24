//! The min-size flavour (`--build-arg FLAVOUR=min`: nightly build-std, immediate-abort panics)
//! builds every image for every tested platform, and each still does its job (linux/arm64 under
//! emulation). Sizes: `bash tests/bench.sh`.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::docker::{
    Container, build_image_for, build_image_with, docker_ok, docker_output, image_file,
    platform_suffix,
};
use e2e::http::{get, get_when_up};

/// The min image of `program`, tagged `TAG:min` for this machine's platform (`None`) and
/// `TAG:min-ARCH` for another.
fn min_image(tag: &str, program: &str, platform: Option<&str>) -> String {
    let dockerfile = format!("docker/{program}/Dockerfile");
    match platform {
        None => {
            let tag = format!("{tag}:min");
            build_image_with(&tag, &dockerfile, &["FLAVOUR=min"]);
            tag
        }
        Some(platform) => {
            let tag = format!("{tag}:min-{}", platform_suffix(platform));
            build_image_for(&tag, &dockerfile, platform, &["FLAVOUR=min"]);
            tag
        }
    }
}

/// Text from musl's printf (the hex-float prefixes in `fmt_fp`): a min server must not carry
/// printf, which musl's `pthread_setname_np` would link and servekit's own replaces.
const MUSL_PRINTF: &[u8] = b"-0X+0X 0X-0x+0x 0x";

/// The server binary in `image` has no printf in it.
fn assert_no_printf(image: &str, program: &str, platform: Option<&str>) {
    let binary = image_file(image, platform, &format!("/{program}"));
    let found = binary.windows(MUSL_PRINTF.len()).any(|w| w == MUSL_PRINTF);
    assert!(!found, "{image}: musl's printf is linked in");
}

/// `docker run` options that pick the platform, if it is not the engine's own.
fn platform_option(platform: Option<&str>) -> Vec<&str> {
    platform.map_or(Vec::new(), |p| vec!["--platform", p])
}

fn pyprompt_greets(platform: Option<&str>) {
    let image = min_image("alpine2", "pyprompt", platform);
    let mut run = vec!["run", "-i", "--rm"];
    run.extend(platform_option(platform));
    run.push(&image);
    let out = docker_output(&run, b"Ana\n");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        out.stdout_str(),
        "Type in your name: \nHello Ana, you've just ran a python script from your own homemade Docker Container!\n"
    );
}

fn dirserve_serves_and_refuses(platform: Option<&str>) {
    let image = min_image("alpine_web", "dirserve", platform);
    assert_no_printf(&image, "dirserve", platform);
    let container = Container::run_published(&image, &platform_option(platform), &["-d", "/"]);
    let addr = container.published_8000();
    let root = get_when_up(addr, "/");
    assert_eq!(root.status, 200);
    assert!(root.text().contains("Directory listing for /"));
    assert_eq!(get(addr, "/proc/self/environ").status, 403);
    assert_eq!(get(addr, "/%2e%2e/etc/passwd").status, 400);
}

fn cowserve_says_and_serves(platform: Option<&str>) {
    let image = min_image("cowserve", "cowserve", platform);
    assert_no_printf(&image, "cowserve", platform);
    let mut run = vec!["run", "--rm"];
    run.extend(platform_option(platform));
    run.extend([image.as_str(), "cowsay", "Moo"]);
    let moo = docker_ok(&run);
    assert!(
        moo.stdout_str().starts_with(" _____\n< Moo >\n -----\n"),
        "{}",
        moo.stdout_str()
    );
    let container = Container::run_published(&image, &platform_option(platform), &[]);
    let page = get_when_up(container.published_8000(), "/?message=Hi");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("< Hi >"), "{}", page.text());
}

/// One module per platform, so the runner names the tests `arm64::...`.
macro_rules! min_tests {
    ($module:ident, $platform:expr) => {
        mod $module {
            #[test]
            #[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
            fn pyprompt_greets() {
                super::pyprompt_greets($platform);
            }

            #[test]
            #[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
            fn dirserve_serves_and_refuses() {
                super::dirserve_serves_and_refuses($platform);
            }

            #[test]
            #[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
            fn cowserve_says_and_serves() {
                super::cowserve_says_and_serves($platform);
            }
        }
    };
}

min_tests!(native, None);
min_tests!(arm64, Some("linux/arm64"));
min_tests!(i386, Some("linux/386"));
