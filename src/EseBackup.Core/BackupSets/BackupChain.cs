using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>
    /// A set and the sets it builds on, oldest (the full set) first. Found among the sets of the folder
    /// holding the set, by parent set id.
    /// </summary>
    public sealed class BackupChain
    {
        private BackupChain(IReadOnlyList<BackupSet> sets) { Sets = sets; }

        /// <summary>Full set first, then each incremental in order; the last is the set asked for.</summary>
        public IReadOnlyList<BackupSet> Sets { get; }
        public BackupSet Full => Sets[0];
        public BackupSet Last => Sets[Sets.Count - 1];

        /// <summary>Problems of the chain itself (manifests only; no file is read): missing parent, gaps, foreign log stream.</summary>
        public static IReadOnlyList<BackupSetProblem> Check(BackupSet set, BackupSetCatalog? catalog = null) => Walk(set, catalog, out _);

        /// <summary>The chain of <paramref name="set"/>; throws <see cref="BackupSetException"/> naming the first problem.</summary>
        public static BackupChain Resolve(BackupSet set, BackupSetCatalog? catalog = null)
        {
            var problems = Walk(set, catalog, out var chain);
            if (problems.Count > 0) throw new BackupSetException(problems[0]);
            return new BackupChain(chain);
        }

        private static List<BackupSetProblem> Walk(BackupSet set, BackupSetCatalog? catalog, out List<BackupSet> chain)
        {
            var problems = new List<BackupSetProblem>();
            chain = new List<BackupSet> { set };
            if (set.Kind == BackupKind.Full) return problems;
            catalog ??= BackupSetCatalog.Scan(set.Store);
            var byId = new Dictionary<Guid, BackupSet>();
            foreach (var s in catalog.Sets) byId[s.SetId] = s;
            var current = set;
            while (current.Kind == BackupKind.Incremental)
            {
                var parentId = current.ParentSetId!.Value;
                if (!byId.TryGetValue(parentId, out var parent))
                {
                    var incomplete = catalog.Incomplete.Count > 0 ? $" ({catalog.Incomplete.Count} incomplete set folder(s) there cannot be parents)" : "";
                    problems.Add(new BackupSetProblem(BackupProblemKind.MissingParent, set.Path, null,
                        $"Backup set '{current.Path}' builds on set {parentId}, which is not among the complete sets in '{catalog.Root}'{incomplete}: the chain back to a full backup is broken."));
                    break;
                }
                if (chain.Any(c => c.SetId == parent.SetId))
                {
                    problems.Add(new BackupSetProblem(BackupProblemKind.BrokenChain, set.Path, null, $"Backup set '{current.Path}': the chain of parents loops back to '{parent.Path}'."));
                    break;
                }
                if (parent.ChainId != current.ChainId)
                    problems.Add(new BackupSetProblem(BackupProblemKind.BrokenChain, set.Path, null,
                        $"Backup set '{current.Path}' names '{parent.Path}' as its parent, but they belong to different chains ({current.ChainId} and {parent.ChainId})."));
                if (parent.Manifest.LogSignature != null && current.Manifest.LogSignature != null && !parent.Manifest.LogSignature.SameAs(current.Manifest.LogSignature))
                    problems.Add(new BackupSetProblem(BackupProblemKind.ForeignLog, set.Path, null,
                        $"Backup set '{current.Path}' carries logs of another log stream (signature {current.Manifest.LogSignature}) than its parent '{parent.Path}' ({parent.Manifest.LogSignature})."));
                // An incremental starts at or before the generation after its parent's newest log.
                if (current.LogGenerationLow > parent.LogGenerationHigh + 1)
                    problems.Add(new BackupSetProblem(BackupProblemKind.LogGap, set.Path, null,
                        $"Backup set '{current.Path}' starts at log generation {current.LogGenerationLow} but its parent '{parent.Path}' ends at {parent.LogGenerationHigh}: generation(s) {parent.LogGenerationHigh + 1}-{current.LogGenerationLow - 1} are in no set.",
                        generation: parent.LogGenerationHigh + 1));
                if (parent.EndTime > current.StartTime)
                    problems.Add(new BackupSetProblem(BackupProblemKind.BrokenChain, set.Path, null,
                        $"Backup set '{current.Path}' started ({current.StartTime:u}) before its parent '{parent.Path}' ended ({parent.EndTime:u}): the chain is out of order."));
                chain.Insert(0, parent);
                current = parent;
            }
            return problems;
        }
    }
}
