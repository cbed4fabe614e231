"""Summarises a dotnet-trace Speedscope file (sampled thread time): where the CPU samples are.

CPU_TIME samples only (threads waiting in the kernel or on locks are left out), attributed to the first matching
area, then the hottest leaf frames. Usage: summarise.py trace.speedscope.json
"""
import collections
import sys

from samples import is_finalizer, samples

AREAS = [  # first match wins; order from specific to general
    ("click writer (batches, SQL)", "RefTrack.Links.ClickWriter"),
    ("code lookup (cache; the database on a miss)", "RefTrack.Links.CodeResolver"),
    ("redirect handler", "RefTrack.Links.RedirectApi"),
    ("SQLite group commit (the one writer thread)", "RefTrack.Data.SqliteGroupCommit"),
    ("signup (registration)", "RefTrack.Participants.ParticipantRegistration"),
    ("purchase (conversion)", "RefTrack.Conversions.ConversionRecorder"),
    ("reports", "RefTrack.Reports.StatsApi"),
    ("API key check", "RefTrack.Auth.ApiKeyAuthenticationHandler"),
    ("campaign scope", "RefTrack.Campaigns.CampaignScope"),
    ("Npgsql (PostgreSQL driver)", "Npgsql"),
    ("Kestrel HTTP", "Microsoft.AspNetCore.Server.Kestrel"),
    ("socket I/O", "System.Net.Sockets"),
    ("thread pool (dispatch, spinning)", "PortableThreadPool+WorkerThread"),
]

areas, leaves, total, finalizer = collections.Counter(), collections.Counter(), 0.0, 0.0
for names, weight in samples(sys.argv[1]):
    if is_finalizer(names):  # Left out: see samples.py. The CPU per thread from /proc shows it near 0%.
        finalizer += weight
        continue
    total += weight
    area = next((label for label, needle in AREAS if any(needle in n for n in names)), "other")
    areas[area] += weight
    managed = [n for n in names if n not in ("CPU_TIME", "UNMANAGED_CODE_TIME")]
    leaves[managed[-1].split("!")[-1][:110] if managed else "?"] += weight

print(f"CPU samples: {total / 1000:.1f} s of thread time ({finalizer / 1000:.1f} s on the finalizer thread left out)")
print("By area (a sample counts for the first area on its stack):")
for label, weight in areas.most_common():
    print(f"  {100 * weight / total:5.1f}%  {label}")
print("Hottest leaf frames:")
for name, weight in leaves.most_common(15):
    print(f"  {100 * weight / total:5.1f}%  {name}")
