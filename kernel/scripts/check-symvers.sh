#!/bin/bash
# The drop-in contract, checked on the exports: our modules must export
# what the kernel's modules of the same names export, with the same
# symbol version (CRC), export type (GPL or not) and namespace, or the
# stock drivers that use them (hv_utils, hv_storvsc, hv_netvsc, hv_sock,
# uio_hv_generic...) refuse to load on ours ("disagrees about version of
# symbol").
#
#   kernel/scripts/check-symvers.sh KVER OUTDIR [STOCK-SYMVERS]
#
# OUTDIR is a build of ours for KVER (kernel/scripts/build.sh KVER OUTDIR);
# STOCK-SYMVERS defaults to the kernel's /lib/modules/KVER/build/Module.symvers.
# For every module of ours that the kernel has too, a table: each symbol
# either exports, and its status:
#   ok           same CRC, type and namespace
#   CRC          the CRCs differ                                  (fails)
#   TYPE         EXPORT_SYMBOL vs EXPORT_SYMBOL_GPL, or namespace  (fails)
#   MISSING      the kernel's module exports it, ours does not    (fails)
#   extra        ours exports it, the kernel's does not           (listed)
# Exit 0 when nothing fails, 1 otherwise.
#
# A CRC covers the full expansion of the symbol's type as genksyms sees it
# in the file that exports it: every struct reachable from the prototype
# that the file has a definition of. So a CRC differs not only when a type
# differs but also when the exporting file includes a different set of
# headers than the kernel's own did. Build with KBUILD_SYMTYPES=1 to get
# each file's .symtypes and compare expansions.
set -euo pipefail

kver=${1:?usage: check-symvers.sh KVER OUTDIR [STOCK-SYMVERS]}
out=${2:?usage: check-symvers.sh KVER OUTDIR [STOCK-SYMVERS]}
stock=${3:-/lib/modules/$kver/build/Module.symvers}
ours=$out/Module.symvers

[ -f "$stock" ] || { echo "check-symvers: no $stock (linux-headers-$kver)" >&2; exit 1; }
[ -f "$ours" ] || { echo "check-symvers: no $ours: build first (build.sh $kver $out)" >&2; exit 1; }
[ -f "$out/modules.order" ] || { echo "check-symvers: no $out/modules.order" >&2; exit 1; }

# Where the kernel keeps each module of the same name as ours.
stock_path() {
    case $1 in
    hv_vmbus | hv_utils | hv_balloon) echo "drivers/hv/$1" ;;
    hv_storvsc) echo drivers/scsi/hv_storvsc ;;
    hv_netvsc) echo drivers/net/hyperv/hv_netvsc ;;
    *) echo "drivers/hv/$1" ;;
    esac
}

# One line per symbol: status <tab> symbol <tab> stock CRC <tab> our CRC <tab> detail.
compare() {
    awk -F'\t' -v spath="$1" -v mod="$2" '
        function kind(t, ns) {
            return (t == "EXPORT_SYMBOL_GPL" ? "GPL" : "non-GPL") (ns != "" ? ", namespace " ns : "")
        }
        FNR == NR {
            if ($3 == spath) { scrc[$2] = $1; skind[$2] = kind($4, $5) }
            next
        }
        {
            m = $3; sub(/.*\//, "", m)
            if (m == mod) { ocrc[$2] = $1; okind[$2] = kind($4, $5) }
        }
        END {
            for (s in scrc) {
                if (!(s in ocrc))
                    print "MISSING\t" s "\t" scrc[s] "\t-\t"
                else if (scrc[s] != ocrc[s])
                    print "CRC\t" s "\t" scrc[s] "\t" ocrc[s] "\t"
                else if (skind[s] != okind[s])
                    print "TYPE\t" s "\t" scrc[s] "\t" ocrc[s] "\tstock " skind[s] ", ours " okind[s]
                else
                    print "ok\t" s "\t" scrc[s] "\t" ocrc[s] "\t"
            }
            for (s in ocrc)
                if (!(s in scrc))
                    print "extra\t" s "\t-\t" ocrc[s] "\t"
        }' "$stock" "$ours"
}

fails=0
# Our modules, as Kbuild listed them (OUTDIR/vmbus/hv_vmbus.o or .ko).
mods=$(sed -e 's|.*/||' -e 's/\.ko$//' -e 's/\.o$//' "$out/modules.order" | sort -u)
[ -n "$mods" ] || { echo "check-symvers: $out/modules.order lists no module" >&2; exit 1; }
for mod in $mods; do
    spath=$(stock_path "$mod")
    nstock=$(awk -F'\t' -v p="$spath" '$3 == p' "$stock" | wc -l)
    nours=$(awk -F'\t' -v m="$mod" '{ sub(/.*\//, "", $3) } $3 == m' "$ours" | wc -l)
    printf '\n%s: ours exports %d symbols, %s of %s exports %d\n' \
        "$mod" "$nours" "$spath" "$kver" "$nstock"
    [ "$nstock" -gt 0 ] || [ "$nours" -gt 0 ] || continue
    # Failures first, then ok, then extras; by name within each.
    compare "$spath" "$mod" | awk -F'\t' '
        { rank = ($1 == "ok") ? 1 : ($1 == "extra") ? 2 : 0; print rank "\t" $0 }' |
        sort -t "$(printf '\t')" -k1,1n -k3,3 | cut -f2- |
        awk -F'\t' -v mod="$mod" '
            BEGIN { printf "  %-8s %-36s %-11s %-11s\n", "status", "symbol", "stock CRC", "our CRC" }
            {
                printf "  %-8s %-36s %-11s %-11s%s\n", $1, $2, $3, $4, ($5 != "" ? "  " $5 : "")
                n[$1]++
                if ($1 != "ok" && $1 != "extra") bad++
            }
            END {
                printf "  %s: %d ok, %d CRC differ, %d type differ, %d missing, %d extra\n",
                    mod, n["ok"], n["CRC"], n["TYPE"], n["MISSING"], n["extra"]
                exit bad > 0
            }' || fails=1
done
echo
if [ "$fails" -ne 0 ]; then
    echo "FAIL: the exports are not those of $kver's modules (see MISSING, CRC, TYPE above)"
    exit 1
fi
echo "PASS: every export of $kver's modules is ours, same CRC and type"
