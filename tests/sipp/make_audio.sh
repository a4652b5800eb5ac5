#!/usr/bin/env bash
# Generate the audio fixtures the sipp scenarios stream with rtp_stream.
#
#   tests/sipp/make_audio.sh [OUTDIR]      (default: tests/sipp/audio/ next to this script)
#
# Writes 8 kHz mono mu-law (PCMU) WAV files, the format sipp's rtp_stream
# needs for payload 0:
#   human.wav    "もしもし" (~0.8 s of voice) + 6 s silence        -> AMD(): HUMAN
#   machine.wav  long answering-machine greeting (~11 s) + 2 s    -> AMD(): MACHINE/LONGGREETING
#
# Idempotent: a file is skipped when it exists and is newer than this script.
# Prints one line per generated file and nothing else on success.
# Needs espeak-ng (Debian: espeak-ng) and sox (Debian: sox).
#
# Notes:
# - espeak-ng's Japanese voice cannot read kanji (it says "Chinese letter"), so the
#   texts are written in kana.
# - `-D` turns sox's dither off so the output is reproducible byte for byte; the
#   padded silence is then true digital silence (mu-law 0xFF).
# - Files are written to a temporary name and renamed, so concurrent runs never
#   see a half-written WAV.
set -euo pipefail

for tool in espeak-ng sox; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "make_audio.sh: '$tool' is not installed (apt-get install espeak-ng sox)" >&2
        exit 1
    fi
done

script="${BASH_SOURCE[0]}"
script_dir="$(cd "$(dirname "$script")" && pwd)"
outdir="${1:-$script_dir/audio}"
mkdir -p "$outdir"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/saikoku-audio.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# gen NAME SPEED TRAILING_SILENCE_S TEXT
gen() {
    local name="$1" speed="$2" pad="$3" text="$4"
    local out="$outdir/$name"
    if [[ -f "$out" && "$out" -nt "$script" ]]; then
        return 0
    fi
    espeak-ng -v ja -s "$speed" -w "$tmp/$name.raw.wav" "$text"
    sox -V1 -D "$tmp/$name.raw.wav" -r 8000 -c 1 -e mu-law "$tmp/$name" pad 0 "$pad"
    mv -f "$tmp/$name" "$out.tmp.$$"
    mv -f "$out.tmp.$$" "$out"
    echo "generated $out"
}

# A person answering: 0.8 s of voice, then silence (AMD: silence >= after_greeting_silence -> HUMAN).
gen human.wav 150 6 "もしもし"

# An answering machine: continuous voice longer than AMD's greeting (1500 ms) -> MACHINE/LONGGREETING.
# Speed 130 is deliberate: it leaves a single >=50 ms gap in the first 1.5 s of voice, so AMD reaches
# LONGGREETING with one word counted, well before maximum_number_of_words (2 or 3) could fire
# MAXWORDS; at the default speed 175 the margin was one 20 ms frame.
# (お電話ありがとうございます。ただいま電話に出ることができません。発信音のあとにお名前とご用件をお話しください。)
gen machine.wav 130 2 \
    "おでんわ ありがとうございます。ただいま でんわに でることが できません。はっしんおんの あとに おなまえと ごようけんを おはなし ください。"
