"""The INF parser on INFs shaped like in-box Windows driver INFs, and on sloppy text.

The fixtures are written for these tests; they follow the layout of real
storage, AHCI and NIC INFs (sections, directives, decorations) without their text.
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path, PureWindowsPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanostudio.errors import MediaError
from nanostudio.media.inf import Model, parse_inf, read_inf_file
from nanostudio.media.inf_syntax import MAX_INF_BYTES, decode_inf

# A VMBus virtual SCSI miniport, laid out like an in-box synthetic storage INF.
STORVSC_INF = r"""
;
; vstorage.inf -- synthetic SCSI controller (test fixture)
;
[Version]
Signature   = "$WINDOWS NT$"
Class       = SCSIAdapter
ClassGuid   = {4D36E97B-E325-11CE-BFC1-08002BE10318}
Provider    = %MSFT%
DriverVer   = 06/21/2006,10.0.14393.0
CatalogFile = vstorage.cat
PnpLockdown = 1

[DestinationDirs]
DefaultDestDir = 12
Storvsc_CopyFiles = 12

[SourceDisksNames]
1 = %DiskName%,,,

[SourceDisksFiles]
storvsc.sys = 1

[Manufacturer]
%MSFT% = MSFT, NTamd64

[MSFT.NTamd64]
%StorvscDesc% = Storvsc_Inst, VMBUS\{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}

[Storvsc_Inst.NT]
CopyFiles = Storvsc_CopyFiles

[Storvsc_Inst.NT.Services]
AddService = storvsc, %SPSVCINST_ASSOCSERVICE%, Storvsc_Service, Storvsc_EventLog

[Storvsc_Service]
DisplayName    = %StorvscSvcDesc%
ServiceType    = %SERVICE_KERNEL_DRIVER%
StartType      = %SERVICE_BOOT_START%
ErrorControl   = %SERVICE_ERROR_NORMAL%
ServiceBinary  = %12%\storvsc.sys
LoadOrderGroup = SCSI miniport
AddReg         = Storvsc_Parameters

[Storvsc_Parameters]
HKR, "Parameters", "BusType", %REG_DWORD%, 0x0000000A
HKR, "Parameters\PnpInterface", "15", %REG_DWORD%, 0x00000001

[Storvsc_EventLog]
AddReg = Storvsc_EventLog_AddReg

[Storvsc_EventLog_AddReg]
HKR,, EventMessageFile, %REG_EXPAND_SZ%, "%%SystemRoot%%\System32\IoLogMsg.dll"
HKR,, TypesSupported, %REG_DWORD%, 7

[Storvsc_CopyFiles]
storvsc.sys,,,0x100

[Strings]
MSFT             = "Microsoft"
StorvscDesc      = "Test Virtual Storage Controller"
StorvscSvcDesc   = "Test Virtual Storage Miniport"
DiskName         = "Test Storage Disk"
SPSVCINST_ASSOCSERVICE = 0x00000002
SERVICE_KERNEL_DRIVER  = 1
SERVICE_BOOT_START     = 0
SERVICE_ERROR_NORMAL   = 1
REG_DWORD              = 0x00010001
REG_EXPAND_SZ          = 0x00020000
"""

# A generic AHCI controller INF: one class-code model, Include/Needs, direct file copy.
AHCI_INF = r"""
[version]
signature="$Windows NT$"
Class=hdc
ClassGUID={4D36E96A-E325-11CE-BFC1-08002BE10318}
Provider=%PROVIDER%
DriverVer=6-21-2006,10.0.14393.0
CatalogFile=testahci.cat
CatalogFile.NTamd64=testahci64.cat

[Manufacturer]
%STD%=Generic,NTamd64

[Generic.NTamd64]
%AhciDesc%=ahci_inst, PCI\CC_010601

[ahci_inst.ntamd64]
Include=machine.inf, pci.inf
Needs=PciIoSpaceNotRequired
CopyFiles=@testahci.sys

[ahci_inst.ntamd64.HW]
AddReg=ahci_hw_addreg

[ahci_inst.ntamd64.Services]
AddService = testahci, 0x00000002, ahci_service

[ahci_service]
ServiceType    = 0x1            ; SERVICE_KERNEL_DRIVER
StartType      = 0x0            ; SERVICE_BOOT_START
ErrorControl   = 0x3            ; SERVICE_ERROR_CRITICAL
ServiceBinary  = %12%\testahci.sys
LoadOrderGroup = SCSI Miniport
Dependencies   = +Boot Bus Extender, pci
AddReg         = ahci_params
AddReg         = ahci_tuning

[SourceDisksFiles.amd64]
testahci.sys = 1,,

[Strings]
PROVIDER = "Test Provider"
STD      = "Standard SATA AHCI Controller vendor"
AhciDesc = "Standard SATA AHCI Controller"
"""

# An Intel-style NIC INF with several OS decorations and many PCI ids.
E1000_MODELS = [
    ("E100E", "100E"),
    ("E100F", "100F"),
    ("E10D3", "10D3"),
    ("E153A", "153A"),
    ("E15A3", "15A3"),
]
NIC_INF = (
    r"""
[Version]
Signature   = "$WINDOWS NT$"
Class       = Net
ClassGUID   = {4d36e972-e325-11ce-bfc1-08002be10318}
Provider    = %Intel%
CatalogFile = testnic.cat
DriverVer   = 4/8/2016,12.15.22.3

[Manufacturer]
%Intel% = Intel, NTamd64.10.0...16299, NTamd64.10.0...14310, NTamd64.6.3, NTamd64.10.0.1
%Intel% = IntelLegacy, NTamd64.6.1

[Intel.NTamd64.10.0...16299]
%E1000.New% = E1000.10.0.1, PCI\VEN_8086&DEV_15FF

[Intel.NTamd64.10.0.1]
%E1000.Client% = E1000.client, PCI\VEN_8086&DEV_15F9

[Intel.NTamd64.6.3]
%E1000.Old% = E1000.6.3, PCI\VEN_8086&DEV_100E

[Intel.NTamd64.10.0...14310]
"""
    + "".join(
        f"%{name}.DeviceDesc% = {name}.10.0.1, PCI\\VEN_8086&DEV_{dev}, "
        f"PCI\\VEN_8086&DEV_{dev}&SUBSYS_00000000\n"
        for name, dev in E1000_MODELS
    )
    + r"""
[IntelLegacy.NTamd64.6.1]
%E1000.Old% = E1000.6.1, PCI\VEN_8086&DEV_1000

[E100E.10.0.1.NTamd64]
AddReg = e1000.reg
CopyFiles = Win10.CopyFiles

[E100E.10.0.1.NTamd64.Services]
AddService = e1iexpress, 2, e1000.Service, e1000.EventLog

[e1000.Service]
DisplayName    = %E1000.Service.DispName%
ServiceType    = 1
StartType      = 3
ErrorControl   = 1
ServiceBinary  = %13%\e1i68x64.sys
LoadOrderGroup = NDIS

[Win10.CopyFiles]
e1i68x64.sys,,,2
e1i68x64.din,,,2

[SourceDisksFiles]
e1i68x64.sys = 1
e1i68x64.din = 1

[Strings]
Intel = "Intel"
E1000.Service.DispName = "Intel(R) PRO/1000 Test Driver"
E1000.New = "newer model"
E1000.Client = "client-only model"
E1000.Old = "Windows 8.1 model"
"""
    + "".join(f'{name}.DeviceDesc = "Intel(R) Test Adapter {dev}"\n' for name, dev in E1000_MODELS)
)

# Sloppy but accepted by Windows: continuations, comments everywhere, quoted commas,
# stray lines before the first section, repeated sections, localized strings only.
SLOPPY_INF = r"""
this line is before any section and is ignored
[ version ]  ; header with spaces and a comment
Signature = "$Windows NT$"
Provider = "Acme; Inc."   ; the ; inside quotes is text
Class = %Cls%
DriverVer = 13/45/2016, 1.2      ; impossible date, short version

[Manufacturer]
%Acme% = Acme,NTamd64 , NTx86

[Acme.NTAMD64]
%Dev% = Dev_Inst, \
        "PCI\VEN_1234&DEV_5678", \
        pci\cc_0106
"%Literal%, with comma" = Dev_Inst, usb\vid_0000

[dev_inst]
CopyFiles = Dev.Files, Missing.Section

[Dev_Inst.Services]
AddService = ,2            ; a NULL driver: no service
AddService = "acmesvc", 0x2, Acme_Service
AddService = acmehelper, , Missing_Service

[Acme_Service]
ServiceType = 1
StartType = 4
ErrorControl = 1
ServiceBinary = %13%\acme.sys

[Dev.Files]
acme.sys
acme.sys     ; listed twice

[Strings.0409]
Acme = "Acme ""Quoted"" Corp"
Dev = "Acme Device"
Cls = "System"

[Acme.NTamd64]
%Dev% = Second_Inst, PCI\VEN_1234&DEV_9999
"""


def _models(text: str, arch: str = "amd64") -> list[Model]:
    return parse_inf(text).models(arch)


def test_version_header_of_a_storage_miniport() -> None:
    inf = parse_inf(STORVSC_INF)
    assert inf.class_name == "SCSIAdapter"
    assert inf.class_guid == uuid.UUID("4d36e97b-e325-11ce-bfc1-08002be10318")
    assert inf.provider == "Microsoft"
    assert inf.driver_date == datetime.date(2006, 6, 21)
    assert inf.driver_version == (10, 0, 14393, 0)
    assert inf.catalog_file == "vstorage.cat"
    assert inf.architectures == ("amd64",)


def test_storage_miniport_models_resolve_to_its_ddinstall_and_service() -> None:
    inf = parse_inf(STORVSC_INF)
    [model] = inf.models()
    assert model == Model(
        "Test Virtual Storage Controller",
        "Storvsc_Inst",
        ("VMBUS\\{BA6163D9-04A1-4D29-B605-72E2FFB1DC7F}",),
    )
    assert inf.install_section(model.install_section) == "Storvsc_Inst.NT"
    [service] = inf.services(model.install_section)
    assert service.name == "storvsc"
    assert service.flags == 2 and service.is_function_driver
    assert service.install_section == "Storvsc_Service"
    assert (service.service_type, service.start_type, service.error_control) == (1, 0, 1)
    assert service.binary == PureWindowsPath("System32\\drivers\\storvsc.sys")
    assert str(service.binary) == "System32\\drivers\\storvsc.sys"
    assert service.load_order_group == "SCSI miniport"
    assert service.display_name == "Test Virtual Storage Miniport"
    assert service.add_reg == ("Storvsc_Parameters",)
    assert service.dependencies == ()
    assert service.missing == ()
    assert inf.copy_files(model.install_section) == ["storvsc.sys"]
    assert inf.source_files() == ["storvsc.sys"]
    assert inf.include(model.install_section) == ()
    assert inf.needs(model.install_section) == ()


def test_repeated_hkr_lines_are_kept_in_order() -> None:
    inf = parse_inf(STORVSC_INF)
    lines = inf.sections["storvsc_parameters"]
    assert [line.key for line in lines] == [None, None]
    assert lines[0].fields == ("HKR", '"Parameters"', '"BusType"', "%REG_DWORD%", "0x0000000A")
    assert inf.expand(lines[1].fields[1]) == "Parameters\\PnpInterface"
    event = inf.sections["Storvsc_EventLog_AddReg"][0]
    assert inf.expand(event.fields[4]) == "%SystemRoot%\\System32\\IoLogMsg.dll"


def test_ahci_inf_keyed_by_class_code_with_include_and_needs() -> None:
    inf = parse_inf(AHCI_INF)
    assert inf.class_name == "hdc"
    assert inf.driver_date == datetime.date(2006, 6, 21)  # '-' separators
    assert inf.catalog_file == "testahci64.cat"  # CatalogFile.NTamd64 wins
    [model] = inf.models()
    assert model.hardware_ids == ("PCI\\CC_010601",)
    assert inf.install_section("AHCI_INST") == "ahci_inst.ntamd64"
    assert inf.include("ahci_inst") == ("machine.inf", "pci.inf")
    assert inf.needs("ahci_inst") == ("PciIoSpaceNotRequired",)
    assert inf.copy_files("ahci_inst") == ["testahci.sys"]  # @file form
    assert inf.source_files() == ["testahci.sys"]  # [SourceDisksFiles.amd64]
    assert inf.source_files("x86") == []
    [service] = inf.services("ahci_inst")
    assert service.name == "testahci"
    assert (service.service_type, service.start_type, service.error_control) == (1, 0, 3)
    assert service.binary == PureWindowsPath("System32/drivers/testahci.sys")
    assert service.load_order_group == "SCSI Miniport"
    assert service.dependencies == ("+Boot Bus Extender", "pci")
    assert service.add_reg == ("ahci_params", "ahci_tuning")  # both AddReg lines


def test_nic_decoration_for_14393_is_the_most_specific_not_newer_one() -> None:
    inf = parse_inf(NIC_INF)
    models = inf.models()
    intel = [m for m in models if m.install_section.endswith(".10.0.1")]
    # 10.0...16299 is newer than 14393 and 10.0.1 is workstation-only: 10.0...14310 wins.
    assert [m.description for m in intel] == [
        f"Intel(R) Test Adapter {dev}" for _, dev in E1000_MODELS
    ]
    assert intel[0].hardware_ids == (
        "PCI\\VEN_8086&DEV_100E",
        "PCI\\VEN_8086&DEV_100E&SUBSYS_00000000",
    )
    assert "newer model" not in {m.description for m in models}
    assert "client-only model" not in {m.description for m in models}
    assert "Windows 8.1 model" not in {m.description for m in intel}
    # The second manufacturer line has its own decorations and is used too.
    assert models[-1] == Model("Windows 8.1 model", "E1000.6.1", ("PCI\\VEN_8086&DEV_1000",))
    assert inf.architectures == ("amd64",)
    assert inf.driver_date == datetime.date(2016, 4, 8)
    assert inf.driver_version == (12, 15, 22, 3)


def test_nic_ddinstall_with_arch_after_the_name_and_driver_store_binary() -> None:
    inf = parse_inf(NIC_INF)
    assert inf.install_section("E100E.10.0.1") == "E100E.10.0.1.NTamd64"
    [service] = inf.services("E100E.10.0.1")
    assert service.name == "e1iexpress" and service.start_type == 3
    # %13% (driver store) has no fixed place until installation: left as written.
    assert service.binary == "%13%\\e1i68x64.sys"
    assert inf.copy_files("E100E.10.0.1") == ["e1i68x64.sys", "e1i68x64.din"]
    assert inf.source_files() == ["e1i68x64.sys", "e1i68x64.din"]
    assert inf.services("E100F.10.0.1") == []  # no such section: empty, no error


def test_x86_reads_the_undecorated_models_section() -> None:
    text = STORVSC_INF.replace("%MSFT% = MSFT, NTamd64", "%MSFT% = MSFT").replace(
        "[MSFT.NTamd64]", "[MSFT]"
    )
    assert _models(text) == []
    assert [m.install_section for m in _models(text, "x86")] == ["Storvsc_Inst"]
    assert parse_inf(text).architectures == ()


def test_expand_substitutes_tokens_and_keeps_unknown_ones() -> None:
    inf = parse_inf(STORVSC_INF)
    assert inf.expand("%msft%") == "Microsoft"  # token case does not matter
    assert inf.expand('"%MSFT% 100%% %12%\\x.sys %nope%"') == "Microsoft 100% %12%\\x.sys %nope%"
    assert inf.strings["StorvscDesc"] == "Test Virtual Storage Controller"
    assert "storvscdesc" in inf.strings and "STORVSCDESC" in inf.strings
    assert inf.strings.get("SERVICE_BOOT_START") == "0"


def test_strings_fall_back_to_the_first_localized_section() -> None:
    text = "[Strings]\nA = main\n[Strings.0407]\nA = de\nB = nur-de\n[Strings.0409]\nC = en\n"
    strings = parse_inf(text).strings
    assert strings == {"a": "main", "b": "nur-de"}


def test_sloppy_inf_is_read_the_way_windows_reads_it() -> None:
    inf = parse_inf(SLOPPY_INF)
    assert inf.provider == "Acme; Inc."
    assert inf.class_name == "System"  # from [Strings.0409], no [Strings]
    assert inf.driver_date is None  # 13/45 is not a date
    assert inf.driver_version == (1, 2, 0, 0)
    assert inf.class_guid is None and inf.catalog_file is None
    assert inf.architectures == ("amd64", "x86")
    assert inf.strings["Acme"] == 'Acme "Quoted" Corp'
    models = inf.models()
    # Continuation lines joined; the repeated [Acme.NTamd64] section is merged.
    assert models == [
        Model("Acme Device", "Dev_Inst", ("PCI\\VEN_1234&DEV_5678", "PCI\\CC_0106")),
        Model("%Literal%, with comma", "Dev_Inst", ("USB\\VID_0000",)),
        Model("Acme Device", "Second_Inst", ("PCI\\VEN_1234&DEV_9999",)),
    ]
    assert inf.install_section("DEV_INST") == "dev_inst"  # no .NTamd64/.NT: the bare one
    assert inf.install_section("Absent") == "Absent"
    assert inf.copy_files("Dev_Inst") == ["acme.sys"]  # missing list section skipped
    services = inf.services("Dev_Inst")
    assert [s.name for s in services] == ["acmesvc", "acmehelper"]
    assert services[0].binary == "%13%\\acme.sys" and services[0].start_type == 4
    helper = services[1]
    assert helper.flags == 0 and not helper.is_function_driver
    assert helper.missing == ("ServiceType", "StartType", "ErrorControl", "ServiceBinary")
    assert "Version" in inf.sections and "VERSION" in inf.sections
    assert inf.sections.name("version") == "version"


def test_missing_sections_give_empty_answers() -> None:
    inf = parse_inf("[Version]\nSignature=$Windows NT$\n")
    assert inf.models() == [] and inf.source_files() == [] and inf.strings == {}
    assert inf.class_name is None and inf.provider is None and inf.driver_version is None
    assert inf.services("x") == [] and inf.copy_files("x") == []
    assert inf.include("x") == () and inf.needs("x") == ()


@pytest.mark.parametrize(
    ("binary", "expected"),
    [
        ("%11%\\drivers\\a.sys", PureWindowsPath("System32\\drivers\\a.sys")),
        ("%10%\\a.sys", PureWindowsPath("a.sys")),
        ("\\SystemRoot\\System32\\drivers\\a.sys", PureWindowsPath("System32\\drivers\\a.sys")),
        ("System32\\drivers\\a.sys", PureWindowsPath("System32\\drivers\\a.sys")),
        ("C:\\Program Files\\a.sys", "C:\\Program Files\\a.sys"),
        ("%24%\\a.sys", "%24%\\a.sys"),
    ],
)
def test_service_binary_is_relative_to_the_windows_directory(
    binary: str, expected: PureWindowsPath | str
) -> None:
    text = AHCI_INF.replace("%12%\\testahci.sys", binary)
    [service] = parse_inf(text).services("ahci_inst")
    assert service.binary == expected


def test_duplicate_addservice_lines_are_all_kept() -> None:
    text = AHCI_INF.replace(
        "AddService = testahci, 0x00000002, ahci_service",
        "AddService = testahci, 0x00000002, ahci_service\nAddService = filter, 0, ahci_service",
    )
    assert [s.name for s in parse_inf(text).services("ahci_inst")] == ["testahci", "filter"]


def test_read_utf16le_file_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "STORVSC.INF"
    path.write_bytes(b"\xff\xfe" + STORVSC_INF.replace("\n", "\r\n").encode("utf-16-le"))
    inf = read_inf_file(path)
    assert inf.class_name == "SCSIAdapter"
    assert [s.name for s in inf.services("Storvsc_Inst")] == ["storvsc"]


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + AHCI_INF.encode("utf-8"),
        AHCI_INF.replace("Test Provider", "Soci\xe9t\xe9").encode("cp1252"),
    ],
)
def test_read_utf8_bom_and_ansi_files(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "a.inf"
    path.write_bytes(data)
    assert read_inf_file(path).class_name == "hdc"


def test_ansi_text_keeps_its_accents() -> None:
    assert decode_inf("Provider=Soci\xe9t\xe9".encode("cp1252")) == "Provider=Soci\xe9t\xe9"


def test_binary_missing_and_oversized_files_raise_media_error(tmp_path: Path) -> None:
    binary = tmp_path / "junk.inf"
    binary.write_bytes(b"MZ\x90\x00\x03\x00" * 20)
    with pytest.raises(MediaError, match="not a text INF file"):
        read_inf_file(binary)
    with pytest.raises(MediaError, match="cannot be read"):
        read_inf_file(tmp_path / "absent.inf")
    huge = tmp_path / "huge.inf"
    huge.write_bytes(b";" * (MAX_INF_BYTES + 1))
    with pytest.raises(MediaError, match="larger than") as caught:
        read_inf_file(huge)
    assert "\n" not in str(caught.value)


_INF_ALPHABET = st.sampled_from(list('[]=,;"%\\.\r\n \tabcNTamd64x86019AddServiceCopyFiles@'))


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(_INF_ALPHABET, max_size=400))
def test_parse_inf_never_raises(text: str) -> None:
    inf = parse_inf(text)
    _ = (inf.class_name, inf.class_guid, inf.provider, inf.driver_date, inf.driver_version)
    _ = (inf.catalog_file, inf.architectures, inf.strings, inf.source_files())
    for arch in ("amd64", "x86"):
        for model in inf.models(arch):
            inf.services(model.install_section, arch)
            inf.copy_files(model.install_section, arch)
            inf.include(model.install_section, arch)
            inf.needs(model.install_section, arch)
    for name in inf.sections:
        inf.services(name)
        inf.copy_files(name)
        inf.expand(name)
