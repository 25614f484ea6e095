; NanoStudio installer script for Inno Setup 6.
;
; Built by installer/build.py after the PyInstaller one-folder build passed its
; checks and smoke test. It passes what the build knows as /D defines:
;   /DAppVersion=<nanostudio.__version__>   /DNumericVersion=<a.b.c.d>
;   /DBundleDir=<dist\NanoStudio>  /DOutputDir=<dist>  /DIconFile=<NanoStudio.ico>
; and, when a certificate is named for signing:
;   /DSignInstaller /Snanostudio=<signtool sign ... $f>
; The AppId below is fixed forever: it is how a new version finds and replaces
; the installed one (upgrade in place) and how Windows lists one uninstaller.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (installer/build.py does this)
#endif
#ifndef NumericVersion
  #error Pass the four-part version: ISCC /DNumericVersion=X.Y.Z.W
#endif
#ifndef BundleDir
  #error Pass the PyInstaller one-folder bundle: ISCC /DBundleDir=...\dist\NanoStudio
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif
#ifndef IconFile
  #error Pass the .ico rendered by the spec: ISCC /DIconFile=...\NanoStudio.ico
#endif

#define AppName "NanoStudio"
#define AppExe "NanoStudio.exe"
#define Publisher "The NanoStudio authors"
; Recipes are "*.nanostudio.toml". Windows picks a file's type by its last
; extension only, so Explorer sees ".toml": NanoStudio adds itself to the
; "Open with" list of .toml files and never takes over their default program.
#define RecipeExt ".toml"
#define RecipeProgId "NanoStudio.Recipe"

[Setup]
AppId={{83658029-F819-478D-B1F3-5065F08142DD}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#Publisher}
AppCopyright=Copyright (c) 2026 {#Publisher}. MIT License.
VersionInfoVersion={#NumericVersion}
VersionInfoProductVersion={#NumericVersion}
VersionInfoProductTextVersion={#AppVersion}
VersionInfoDescription={#AppName} setup
; Per-machine install into Program Files; the app itself needs elevation anyway.
PrivilegesRequired=admin
DefaultDirName={autopf}\{#AppName}
DisableDirPage=auto
UsePreviousAppDir=yes
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
LicenseFile=..\LICENSE
OutputDir={#OutputDir}
OutputBaseFilename={#AppName}-{#AppVersion}-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Uninstallable=yes
ChangesAssociations=yes
; Close a running NanoStudio before replacing its files (Restart Manager).
CloseApplications=yes
RestartApplications=no
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
#ifdef SignInstaller
; "nanostudio" is the sign tool defined on the ISCC command line (/Snanostudio=...).
SignTool=nanostudio
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Upgrade in place: remove the previous version's libraries so none outlive it.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Build bootable Nano Server disks"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; The recipe file type: its name, icon and open command (the recipe path is passed on).
Root: HKA; Subkey: "Software\Classes\{#RecipeProgId}"; ValueType: string; ValueName: ""; ValueData: "NanoStudio recipe"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#RecipeProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"",0"
Root: HKA; Subkey: "Software\Classes\{#RecipeProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\{#RecipeExt}\OpenWithProgids"; ValueType: none; ValueName: "{#RecipeProgId}"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: "{#RecipeExt}"; ValueData: ""; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""; Flags: uninsdeletekey

[Run]
; NanoStudio.exe asks for administrator rights. A postinstall entry would start
; it as the original, non-elevated user, where CreateProcess fails (error 740);
; Setup is already elevated, so the app inherits that instead of prompting again.
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent runascurrentuser

[UninstallDelete]
Type: dirifempty; Name: "{app}"
