// A tiny binary module for testing tools/Build-Help.ps1: parameter sets, a positional pipeline parameter,
// a switch, an alias, wildcards, a default value and ShouldProcess - the metadata the builder must read.
using System.Management.Automation;

namespace EseHelpSample
{
    [Cmdlet(VerbsCommon.Get, "EseHelpSample", DefaultParameterSetName = "ByPath", SupportsShouldProcess = true, HelpUri = "https://example.invalid/docs/Get-EseHelpSample.md")]
    [OutputType(typeof(string))]
    public sealed class GetEseHelpSampleCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "ByPath", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        public string[] Path { get; set; } = new string[0];

        [Parameter(Mandatory = true, ParameterSetName = "ByLiteralPath", ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        public string[] LiteralPath { get; set; } = new string[0];

        [Parameter]
        public int PageSize { get; set; } = 8192;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            if (ShouldProcess("sample", "Get")) WriteObject(PageSize.ToString());
        }
    }
}
