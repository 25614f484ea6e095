"""Issue 16: ``nanostudio recipe import`` reads a New-/Edit-NanoServerImage script.

The round trip (``recipe import`` of ``recipe powershell``'s output gives back the
same recipe) runs on every recipe the test suite builds: the factories below are
the suite's own, listed in ``suite_recipes``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path, PureWindowsPath

import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.cli.main import main
from nanostudio.errors import RecipeError
from nanostudio.recipe import (
    BootSpec,
    CopyPath,
    DebugMethod,
    DriversSpec,
    EditSpec,
    FilesSpec,
    FirstBootSpec,
    NetworkSpec,
    OutputSpec,
    PackagesSpec,
    Recipe,
    SourceSpec,
    SystemSpec,
    Target,
)
from nanostudio.recipe.model import GIB, MIB
from nanostudio.recipe.powershell import to_new_nanoserverimage, to_powershell
from nanostudio.recipe.ps_import import import_script
from nanostudio.recipe.toml_io import load_recipe
from nanostudio.wizard.state import WizardState, to_recipe


def _issue16_recipes() -> Iterator[tuple[str, Recipe]]:
    yield (
        "updates-and-copies",
        Recipe(
            source=SourceSpec(Path("/iso/2016.iso"), Edition.DATACENTER, Deployment.HOST),
            packages=PackagesSpec(
                ("Compute", "DNS"),
                servicing=(Path("/updates/ssu.msu"), Path("/updates/Windows10.0-KB1-x64.cab")),
            ),
            drivers=DriversSpec(oem=True),
            files=FilesSpec(
                (
                    CopyPath(Path("/home/ann/tools"), "Program Files\\Tools"),
                    CopyPath(Path("/home/ann/it's here.txt"), ""),
                )
            ),
            output=OutputSpec(Path("/builds/n.vhdx"), 10 * GIB + 512, Target.KVM),
        ),
    )
    yield (
        "everything",
        Recipe(
            source=SourceSpec(
                Path("/media/NanoServer"), Edition.STANDARD, Deployment.GUEST, "de-de"
            ),
            packages=PackagesSpec(("NPDS", "SCVMM-Compute"), docker_zip=Path("/d/docker.zip")),
            system=SystemSpec("WEB-01", "W. Europe Standard Time"),
            network=NetworkSpec(False, None, None, (), "Ethernet 2"),
            firstboot=FirstBootSpec(("echo \"quoted\" & echo 'single'", "ipconfig /all")),
            boot=BootSpec(ems=True, ems_port=3, ems_baud=57600, debug=DebugMethod.SERIAL),
            output=OutputSpec(Path("/builds/w.wim"), 6 * GIB, Target.HYPERV_GEN2),
        ),
    )

    yield (
        "network-ipv6-vlan-index",
        Recipe(
            system=SystemSpec(
                "NANO-V6",
                unattend=Path("/answers/my unattend.xml"),
                domain_blob=Path("/answers/nano-v6.djoin"),
            ),
            network=NetworkSpec(
                ipv4="10.0.0.5/16",
                gateway="10.0.0.1",
                dns=("10.0.0.1",),
                interface="7",
                ipv6="fd00::5",
                ipv6_dns=("fd00::1", "2001:db8::53"),
                vlan=4094,
                winrm_https=True,
            ),
            firstboot=FirstBootSpec(("ipconfig /all",)),
        ),
    )
    yield (
        "network-vlan-only-dhcp",
        Recipe(network=NetworkSpec(interface="Ethernet 'lab' 2", vlan=1)),
    )
    yield (
        "network-ipv6-dns-only",
        Recipe(network=NetworkSpec(interface="Ethernet 2", ipv6_dns=("2001:db8::1",))),
    )
    yield from _edit_recipes()


def _edit_recipes() -> Iterator[tuple[str, Recipe]]:
    """Edit-NanoServerImage: what ``nanostudio edit`` and the wizard's edit make."""
    yield (
        "edit-vhdx-packages-drivers-network",
        Recipe(
            source=SourceSpec(Path("/iso/2016.iso")),
            packages=PackagesSpec(("DSC", "Storage"), servicing=(Path("/u/ssu.msu"),)),
            drivers=DriversSpec(oem=True, folders=(Path("/drivers/e1000"),)),
            system=SystemSpec("EDITED", domain_blob=Path("/answers/edited.djoin")),
            network=NetworkSpec(winrm=True, ipv4="10.0.0.5/24", gateway="10.0.0.1"),
            files=FilesSpec((CopyPath(Path("/tools/x.exe"), "Tools"),)),
            output=OutputSpec(Path("/builds/nano-edited.vhdx"), 4 * GIB, Target.KVM),
            edit=EditSpec(Path("/builds/nano.vhdx")),
        ),
    )
    yield (
        "edit-wim-index-2",
        Recipe(
            source=SourceSpec(Path("/media/NanoServer/NanoServer.wim"), Edition.DATACENTER),
            network=NetworkSpec(winrm=False, winrm_https=True),
            output=OutputSpec(Path("/images/new.wim")),
            edit=EditSpec(Path("/images/old.wim"), 2),
        ),
    )


def suite_recipes() -> Iterator[tuple[str, Recipe]]:
    """Every recipe factory of the test suite, with the arguments its tests give."""
    from tests.engine_portable import test_engine_plan, test_staging
    from tests.engine_portable.conftest import full_recipe
    from tests.engine_portable.test_build_failures import recipe_for
    from tests.recipe.test_hostile_values import _base
    from tests.recipe.test_validate import _recipe
    from tests.windows_engine import builds
    from tests.windows_engine.test_plans import recipes

    for name, (recipe, _, _) in recipes().items():
        yield f"windows-plan-{name}", recipe
    media, out = Path("/m/media"), Path("/b/nano.vhdx")
    yield "windows-host", builds.host_recipe(media, out, size=4 * GIB)
    yield "windows-guest", builds.guest_recipe(media, out)
    yield "windows-drivers", builds.with_drivers(builds.guest_recipe(media, out), Path("/d/1"))
    yield "portable-full", full_recipe(media, out, Path("/drv"), Path("/docker.zip"))
    yield "portable-failures", recipe_for(media, out)
    yield "portable-staging", test_staging.recipe("NPDS", "DSC")
    yield "portable-staging-guest", test_staging.recipe(deployment=Deployment.GUEST)
    yield "portable-plan", test_engine_plan.recipe("x.vhd")
    yield "hostile-base", _base()
    yield "validate-base", _recipe()
    yield "default", Recipe()
    yield "wizard-default", to_recipe(WizardState())
    yield from _issue16_recipes()


def _absolute(recipe: Recipe) -> Recipe:
    """``recipe powershell`` writes absolute paths (Mount-DiskImage needs them)."""

    def fix(value: object) -> object:
        if isinstance(value, Path):
            windows = PureWindowsPath(str(value))
            return value if windows.drive and windows.is_absolute() else value.absolute()
        if isinstance(value, tuple):
            return tuple(fix(item) for item in value)
        if isinstance(value, CopyPath):
            source = fix(value.source)
            assert isinstance(source, Path)
            return replace(value, source=source)
        if hasattr(value, "__dataclass_fields__"):
            changes = {f.name: fix(getattr(value, f.name)) for f in fields(value)}  # type: ignore[arg-type]
            return replace(value, **changes)  # type: ignore[type-var]
        return value

    result = fix(recipe)
    assert isinstance(result, Recipe)
    return result


@pytest.mark.parametrize(("name", "recipe"), list(suite_recipes()), ids=lambda v: str(v)[:40])
def test_import_of_the_command_gives_back_the_same_recipe(name: str, recipe: Recipe) -> None:
    script = to_powershell(recipe)
    assert ("\nEdit-NanoServerImage " in script) is recipe.is_edit
    imported = import_script(script, base=Path("/elsewhere"))
    assert imported.unmapped == (), name
    assert imported.recipe == _absolute(recipe), name


def test_the_suite_list_covers_the_new_parameters() -> None:
    recipes = dict(suite_recipes())
    assert len(recipes) >= 15
    assert any(r.packages.servicing for r in recipes.values())
    assert any(r.files.copy for r in recipes.values())
    assert any(r.network.vlan for r in recipes.values())
    assert any(r.network.ipv6 for r in recipes.values())
    assert any(r.network.ipv6_dns for r in recipes.values())
    assert any(r.network.winrm_https for r in recipes.values())
    assert any(r.system.unattend and r.system.domain_blob for r in recipes.values())
    assert any(r.is_edit and r.edit.index != 1 for r in recipes.values())


IMAGE_BUILDER = (
    "New-NanoServerImage -MediaPath 'G:\\' -Edition 'Datacenter' -DeploymentType Host "
    "-TargetPath 'e:\\nanoserver\\m900-2.vhdx' -MaxSize 8589934592 -SetupUI "
    "('NanoServer.Containers', 'NanoServer.FailoverCluster', 'NanoServer.Storage', "
    "'NanoServer.Compute', 'NanoServer.OEM-Drivers') -ServicingPackagePath "
    "('E:\\nanoserver\\Windows10.0-KB3206632-x64.cab') -ComputerName 'plang-m9-1' "
    "-SetupCompleteCommand ('tzutil.exe /s \"Pacific Standard Time\"') "
    "-LogPath 'e:\\temp\\NanoServerImageBuilder\\Logs\\2016-12-20 23-08'\n"
)


def test_an_image_builder_line_is_mapped() -> None:
    imported = import_script(IMAGE_BUILDER, base=Path("/x"))
    assert imported.unmapped == ()
    recipe = imported.recipe
    assert recipe.source.edition is Edition.DATACENTER
    assert recipe.source.deployment is Deployment.HOST
    assert recipe.packages.names == ("Containers", "FailoverCluster", "Storage", "Compute")
    assert recipe.drivers.oem
    assert recipe.output.size == 8 * GIB
    assert recipe.system.computer_name == "plang-m9-1"
    assert recipe.system.timezone == "Pacific Standard Time"
    assert recipe.firstboot.commands == ()
    assert not recipe.network.winrm  # the module opens it only when asked
    assert recipe.packages.servicing[0].name.endswith("KB3206632-x64.cab")
    assert any("-LogPath ignored" in note for note in imported.notes)


SPLATTED = """
Import-Module .\\NanoServerImageGenerator -Verbose
$ServicingPackagePath = @(
  'C:\\NanoServer\\Updates\\Servicing stack update\\Windows10.0-KB4013418-x64.msu'
  'C:\\NanoServer\\Updates\\Cumulative Update\\Windows10.0-KB4013429-x64.msu'
)
<# block
   comment #>
$Params = @{
    DeploymentType = 'Guest'
    Edition = "Standard"   # a comment
    MediaPath = 'D:\\'
    TargetPath = ".\\Nano1.vhdx"
    ComputerName = 'NANO-1'
    MaxSize = [uint64]6GB
    Package = 'Microsoft-NanoServer-DSC-Package', 'Microsoft-NanoServer-IIS-Package'
    EnableRemoteManagementPort = $true
    Compute = $false
    ServicingPackagePath = $ServicingPackagePath
    CopyPath = @{ 'C:\\Tools' = 'Tools'; "C:\\a b.txt" = '\\' }
    Ipv4Address = '10.0.0.5'; Ipv4SubnetMask = '255.255.0.0'
    InterfaceNameOrIndex = 'Ethernet'
}
New-NanoServerImage @Params -AdministratorPassword (ConvertTo-SecureString -String 'x' `
    -AsPlainText -Force) `
    -Ipv4Dns 10.0.0.1, 10.0.0.2
"""


def test_a_splatted_hand_written_script_is_mapped() -> None:
    imported = import_script(SPLATTED, base=Path("/scripts"))
    assert imported.unmapped == ()
    recipe = imported.recipe
    assert recipe.source.deployment is Deployment.GUEST
    assert recipe.source.media == Path("D:/")
    assert recipe.output.path == Path("/scripts/Nano1.vhdx")
    assert recipe.output.size == 6 * GIB
    assert recipe.packages.names == ("DSC", "IIS")
    assert [p.name for p in recipe.packages.servicing] == [
        "Windows10.0-KB4013418-x64.msu",
        "Windows10.0-KB4013429-x64.msu",
    ]
    assert recipe.files.copy == (
        CopyPath(Path("C:/Tools"), "Tools"),
        CopyPath(Path("C:/a b.txt"), ""),
    )
    assert recipe.network.ipv4 == "10.0.0.5/16"
    assert recipe.network.dns == ("10.0.0.1", "10.0.0.2")
    assert recipe.network.winrm


def test_unmappable_parameters_are_named_one_each() -> None:
    script = (
        "New-NanoServerImage Guest Standard -MediaPath $env:MEDIA -TargetPath x.vhdx "
        "-DomainName corp.example -ReuseDomainNode -ReverseForwarders "
        "-Package Microsoft-NanoServer-Foo-Package -DebugMethod Net -OfflineScriptPath s.ps1 "
        "-Frobnicate 3\n"
    )
    imported = import_script(script, base=Path("/s"))
    named = [u.parameter for u in imported.unmapped]
    assert named == [
        "-MediaPath",
        "-DomainName",
        "-ReuseDomainNode",
        "-ReverseForwarders",
        "-Package 'Microsoft-NanoServer-Foo-Package'",
        "-DebugMethod",
        "-OfflineScriptPath",
        "-Frobnicate",
    ]
    reasons = {str(u) for u in imported.unmapped}
    assert "-MediaPath: its value $env:MEDIA is computed by the script: write the value itself" in (
        reasons
    )
    assert any("included by default" in r for r in reasons)


def test_a_computed_value_is_named_as_the_script_writes_it() -> None:
    script = (
        "New-NanoServerImage Guest Standard -MediaPath D:\\ -TargetPath x.vhdx "
        "-EMSPort $port -MaxSize (Read-Host 'size')\n"
    )
    reasons = [str(u) for u in import_script(script, base=Path("/s")).unmapped]
    assert "-EMSPort: expected a whole number, got $port, computed when the script runs" in (
        reasons
    )
    assert not any("_Unresolved" in r or "_Prompted" in r for r in reasons), reasons


def test_edit_nanoserverimage_maps_its_target_to_the_image_to_edit() -> None:
    script = (
        "Edit-NanoServerImage -BasePath .\\Base -TargetPath .\\nano.vhdx "
        "-Package Microsoft-NanoServer-DSC-Package -DriverPath C:\\drivers\n"
    )
    imported = import_script(script, base=Path("/s"))
    assert imported.command == "Edit-NanoServerImage"
    assert imported.unmapped == ()
    assert imported.recipe.packages.names == ("DSC",)
    assert imported.recipe.drivers.folders == (Path("C:/drivers"),)
    # The image to edit, and a new file beside it: the original is never changed.
    assert imported.recipe.edit.image == Path("/s/nano.vhdx")
    assert imported.recipe.output.path == Path("/s/nano-edited.vhdx")
    assert any("never changes the original" in note for note in imported.notes)


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("Write-Host 'hello'\n", "holds no New-NanoServerImage"),
        ("New-NanoServerImage -ComputerName 'open\n", "not closed"),
        ("$p = @{ DeploymentType = 'Guest'\nNew-NanoServerImage @p\n", "has no '='"),
    ],
)
def test_scripts_that_cannot_be_read_are_one_error(script: str, message: str) -> None:
    with pytest.raises(RecipeError, match=message):
        import_script(script, base=Path("/s"))


def _script(tmp_path: Path, text: str, name: str = "build.ps1") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_writes_the_recipe_beside_the_script(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script(tmp_path, IMAGE_BUILDER)
    assert main(["recipe", "import", str(script)]) == 0
    out = capsys.readouterr()
    assert f"wrote {tmp_path / 'build.toml'}" in out.out
    assert "note: -LogPath ignored" in out.err
    recipe = load_recipe(tmp_path / "build.toml")
    assert recipe.system.computer_name == "plang-m9-1"
    # A second import does not replace it without --force.
    assert main(["recipe", "import", str(script)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: {tmp_path / 'build.toml'} exists: give --force to replace it, or -o another file\n"
    )
    assert main(["recipe", "import", str(script), "--force"]) == 0


def test_cli_unmapped_parameters_exit_2_unless_partial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script(
        tmp_path,
        "New-NanoServerImage -DeploymentType Guest -Edition Standard -TargetPath n.vhdx "
        "-DomainName corp.example -OfflineScriptPath C:\\s.ps1\n",
    )
    out = tmp_path / "r.toml"
    assert main(["recipe", "import", str(script), "-o", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "not mapped: -DomainName: an import does not harvest a blob: on a domain-joined "
        "Windows machine run nanostudio recipe djoin RECIPE --domain D (or djoin /provision) "
        "and set system.domain_blob",
        "not mapped: -OfflineScriptPath: offline scripts are not run by NanoStudio",
        "error: 2 parameters of New-NanoServerImage cannot be mapped (named above): nothing "
        "written; give --partial to write the recipe without them",
    ]
    assert not out.exists()
    assert main(["recipe", "import", str(script), "-o", str(out), "--partial"]) == 0
    assert load_recipe(out).output.path == tmp_path / "n.vhdx"


def test_cli_bad_script_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recipe", "import", str(tmp_path / "missing.ps1")]) == 2
    assert (
        capsys.readouterr().err
        == f"error: {tmp_path / 'missing.ps1'} does not exist: check the path\n"
    )
    script = _script(tmp_path, "Get-ChildItem\n")
    assert main(["recipe", "import", str(script)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the script holds no New-NanoServerImage") and err.count("\n") == 1


def test_cli_reads_utf16_scripts_as_powershell_writes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "u16.ps1"
    script.write_bytes(IMAGE_BUILDER.encode("utf-16"))
    assert main(["recipe", "import", str(script), "-o", str(tmp_path / "o.toml")]) == 0
    capsys.readouterr()
    assert load_recipe(tmp_path / "o.toml").source.edition is Edition.DATACENTER


def test_sizes_that_are_not_whole_mib_survive(tmp_path: Path) -> None:
    recipe = Recipe(output=OutputSpec(Path("/b/n.vhdx"), 4 * GIB + 3 * MIB + 1))
    assert "-MaxSize 4298113025" in to_new_nanoserverimage(recipe)
    assert import_script(to_new_nanoserverimage(recipe), base=tmp_path).recipe == _absolute(recipe)
