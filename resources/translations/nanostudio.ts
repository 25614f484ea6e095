<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>BootOptions</name>
    <message>
        <source>Boot options</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;EMS serial console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Kernel debugging over a serial port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>at</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>EMS lets you watch the boot and use the Special Administration Console on the VM&apos;s serial port (QEMU: -serial; Hyper-V: a named pipe). Kernel debugging waits for WinDbg on its port. Both off by default.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BuildPage</name>
    <message>
        <source>Building</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can keep using your computer; the window stays responsive.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overall progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cancel build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build &amp;again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no media has been read: go back to the Source page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Building {0}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel the build?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop building? Everything written so far is removed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep building</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping and removing partial files…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} elapsed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} elapsed · about {1} left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled: no output was written. Build again, or press Back to change the settings.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BusyIndicator</name>
    <message>
        <source>Working</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConnectDialog</name>
    <message>
        <source>Connect to a Nano Server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VM name or IP address, e.g. 192.168.56.10</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTP (5985, encrypted by NTLM/Kerberos)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTPS (5986, TLS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remember the password in the system keyring</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Host:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Protocol:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authentication:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trust this certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server&apos;s certificate is not trusted yet.
Subject: %1
SHA-256: %2
Compare it with the thumbprint shown on the server, then trust it once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unexpected failure: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConsoleWidget</name>
    <message>
        <source>Reconnect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running… (Ctrl+C stops the command)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disconnected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save transcript</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Text files (*.txt)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot save the transcript to %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected again in a new session: variables were reset.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disconnected from %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConsoleWindow</name>
    <message>
        <source>%1 remote console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Connect…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save transcript…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;top command</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reconnect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — %2 remote console</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CopyableText</name>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>NanoStudio hit a bug</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something unexpected happened. Your build settings are still in the window. Please report this with the details below (they contain no password). The log folder is {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy details</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DoctorView</name>
    <message>
        <source>Layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What NanoStudio sees</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connection layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>at {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} (usually up to {1})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DonePage</name>
    <message>
        <source>Output file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create the VM:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conn&amp;ect…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start it &amp;here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create the VM &amp;yourself</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your Nano Server disk is ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create a VM with it, start it, then connect.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create the VM ({0}; paste into {1}):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The image keeps the drivers it had, and they serve none of the VMs NanoStudio knows (driver folders an edit adds are installed at first boot, too late to start from a VM&apos;s disk): start it on the machine the original image was made for, or edit it with a target&apos;s drivers (nanostudio edit --target).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A physical machine&apos;s controllers are not known here: the image has the drivers of the chosen packages and driver folders.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The drivers {0} needs to boot and reach the network are in the image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The first boot installs the chosen packages and restarts once; give it a few minutes before connecting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First boot logs every step to {0}; if a step failed, {1} says which (Get-Content it in the console).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WinRM was left closed, so remote PowerShell is off.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect to {0} as Administrator once the VM runs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect to {0} (or the address the VM gets from DHCP) as Administrator.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The image keeps the drivers it had; which machines they serve could not be read: start it where the original image ran.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The image keeps the drivers it had; they serve {0}, so the VM is made for it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The edited image&apos;s own drivers serve none of the VMs NanoStudio starts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which VMs the edited image&apos;s drivers serve could not be read: start it where the original image ran.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NanoStudio starts VMs with QEMU, VirtualBox or Hyper-V; for {0} use the commands on the other tab.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WinRM was left closed: NanoStudio could not reach the VM.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A WIM image is not a disk a VM can start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The administrator password is not known in this session.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edited in {0} s: a new WIM image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edited in {0} s: a new {1} disk of up to {2}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Built in {0} s: a WIM image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Built in {0} s: a {1} disk of up to {2}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, {0} on disk now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The build did not finish</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was written to the output file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The build did not run.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What to try:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The full log is in {0}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DriversPage</name>
    <message>
        <source>Drivers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Optional: add folders of unpacked drivers (.inf files) for hardware the OEM drivers do not cover.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder not added</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder / INF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Class</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Provider</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Architectures</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Driver folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only 64-bit (NTamd64) drivers can be used. The portable engine stages them and installs them with pnputil at first boot.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Optional: add folders of unpacked drivers (.inf files); the drivers the image has are kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a driver folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not added: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} — reading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not usable: {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EditImageBox</name>
    <message>
        <source>Image to edit (it is only read: the result is a new file)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Image index in the WIM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Index in the WIM:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Below, choose the media the packages and drivers you add come from (Edit-NanoServerImage&apos;s -BasePath).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the image cannot be read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the image…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the image already is could not be read ({0}): check its edition and computer name on the next pages.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>edition not read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>computer name {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no computer name in its answer file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>time zone {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its drivers not read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its own drivers start: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its own drivers start no VM NanoStudio knows</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EditionPage</name>
    <message>
        <source>Edition and roles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose what the server is for. Each role is a package.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the roles to add. An edit does not change the image&apos;s edition.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edition:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What it does</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role packages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Roles:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The image is {0}: an edit keeps its edition.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The image&apos;s edition could not be read: choose the one it is (Datacenter-only roles need it).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Added to the image being edited; one it already has is not added again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From the target page: {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>needed by {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>adds {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HarvestButton</name>
    <message>
        <source>Har&amp;vest from this domain…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs djoin /provision for this computer name in {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer is not a member of a domain: djoin needs one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store the domain-join blob</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>djoin blobs (*.djoin *.txt)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Harvesting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>djoin failed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HarvestDialog</name>
    <message>
        <source>Harvest a domain-join blob</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Domain:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reuse an existing computer account (resets its password)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>IdentityPage</name>
    <message>
        <source>Name, password and time zone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The administrator password is used only for this build; it is never saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Computer na&amp;me:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 to {0} letters, digits or hyphens.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Administrator &amp;password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password rules</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Confirm password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Show the password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search, e.g. Berlin, +01:00 or Pacific</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time zones</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Time zone:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search time zones</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional: your own unattend.xml</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;hoose…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clea&amp;r</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answer &amp;file:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merged with NanoStudio&apos;s; a setting both set is named, never overwritten.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answer file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional: from djoin /provision /savefile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ch&amp;oose…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cl&amp;ear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Domain-join blob:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Made with djoin /machine set to this computer name (checked).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Domain-join blob</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The new image&apos;s answer file, with this name, password and time zone, replaces the image&apos;s own. The password is never saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a domain-join blob</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>djoin blobs (*.txt *.djoin *.blob);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an answer file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answer files (*.xml);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0}: met</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0}: not met</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LogPane</name>
    <message>
        <source>Filter the log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lowest level shown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Everything</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Steps and tools</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build log</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NanoWizard</name>
    <message>
        <source>NanoStudio</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NetworkPage</name>
    <message>
        <source>Network and remote access</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A static address makes the server reachable at a known place, even on a Hyper-V Internal switch, which has no DHCP.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Get an address from &amp;DHCP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a &amp;static IPv4 address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prefix length</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Address / prefix:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Static address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional, e.g. 192.168.56.1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Gateway:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional, e.g. 192.168.56.1, 1.1.1.1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DNS ser&amp;vers:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Interface:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The adapter&apos;s name in Windows (the first one is &quot;Ethernet&quot;) or its interface index (Get-NetAdapter&apos;s ifIndex).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional, 1 to 4094</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>V&amp;LAN ID:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set with Set-NetAdapter -VlanID at first boot; the adapter&apos;s driver must support VLAN tagging. Applies with DHCP too.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional, e.g. 2001:db8::10</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>IPv&amp;6 address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional, e.g. 2001:db8::1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>IPv6 DNS s&amp;ervers:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remote access and first boot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow &amp;WinRM (remote PowerShell) through the firewall</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opens TCP port 5985 for every network profile, so NanoStudio&apos;s console and Enter-PSSession can reach the server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Also WinRM over &amp;HTTPS (port 5986), trusted from the first connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NanoStudio makes a certificate for the computer name and its static addresses and remembers it, so the console connects without asking you to trust it. Its private key stays in the image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Commands to run at first boot (one per line):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First-boot commands</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OutputPage</name>
    <message>
        <source>Output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where to write the disk, how big it may grow, and how to build it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B&amp;rowse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VHDX: Hyper-V Generation 2, QEMU, VMware</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VHD: VirtualBox, Hyper-V Generation 1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WIM: an image to deploy with other tools</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>F&amp;ormat:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Maximum &amp;size:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A number alone means GiB; 1GB and 1GiB are the same. 8 GiB is what Image Builder used: 4 GiB leaves no room for a cumulative update. A VHDX starts small and grows as Windows fills it; the portable engine&apos;s VHD is a fixed disk of the full size.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Automatic (here: {0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Windows engine when DISM is available, otherwise the portable one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Portable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs here without administrator rights. Writes UEFI (GPT) disks; the boot and network drivers go into the image, packages are installed at the first boot, which takes a few minutes longer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Windows (DISM)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — not available here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs Windows, DISM and administrator rights. Adds packages offline and can write BIOS (VHD) as well as UEFI (VHDX) disks.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An edit writes a new image of the format it reads.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An edit writes a new image of the format it reads; to change the format, build a new image from the media.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An edit writes a new image of the format it reads; to change the format, build a new image from the media. The new disk is never smaller than the image: the portable engine can make it larger, the Windows engine keeps its size.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the disk as</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disks and images (*.vhdx *.vhd *.wim)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PathReads</name>
    <message>
        <source>Reading {0}…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProblemLabel</name>
    <message>
        <source>Problem</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PromptDialog</name>
    <message>
        <source>%1 asks for input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choice:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Input:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>installed at first boot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>needs the {0} edition</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not on this media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>needs the Windows engine (only DISM installs it, offline)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SourcePage</name>
    <message>
        <source>Windows Server 2016 media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the ISO, the folder it was copied to, or NanoServer.wim. You can also drop it on this page.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type or paste a path, or choose one</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ISO or &amp;WIM file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Media &amp;folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Media:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edition</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Images on the media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the media holds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Package</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Languages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Packages on the media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only NanoServer\NanoServer.wim and NanoServer\Packages are read; the media is never changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The image to edit, and the media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the ISO or WIM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Windows media (*.iso *.wim);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the media folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading {0}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the media cannot be read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the media…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing yet: choose the media above.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not Nano Server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{kind} · {images} image(s) · {packages} package(s) · languages: {languages}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ISO image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Media folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NanoServer folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WIM file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StepList</name>
    <message>
        <source>Build steps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Summary</name>
    <message>
        <source>Build Nano Server {0} ({1}) from {2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no media yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It will run on {0}: {1} deployment, with the OEM drivers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It will run on {0}: {1} deployment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Packages: {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Packages added: {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No package is added.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drivers from {0} folder(s): {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No extra drivers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} update(s): {1}; servicing stack updates go in first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} file(s) ({1}) are copied into the image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The computer is named {0}, in time zone {1}; the administrator password is set (it is never saved).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Static address {0} on {1}, gateway {2}, DNS {3}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Static address {0} on {1}, gateway {2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Static address {0} on {1}, DNS {2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Static address {0} on {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The address comes from DHCP on {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WinRM is allowed through the firewall (port 5985) for remote PowerShell.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WinRM stays closed: you will need the VM console to manage it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} command(s) run at first boot.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The output is a WIM image: {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The output is a {0} {1} disk (a fixed disk of the full size): {2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The output is a {0} {1} disk (it grows as Windows fills it): {2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The portable engine builds it here; the boot and network drivers the target needs go into the image, packages, updates and your other drivers are installed at the first boot, which takes a few extra minutes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The portable engine builds it here; the boot and network drivers the target needs go into the image, packages and your other drivers are installed at the first boot, which takes a few extra minutes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Windows engine builds it with DISM; packages and updates are added offline.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Windows engine builds it with DISM; packages are added offline.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit {0} ({1}); it is only read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not read yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Packages and drivers come from {0}; the ones the image already has are not added again, and the drivers it has are kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The portable engine writes the new image here; the boot and network drivers you add go into it, packages, updates and your other drivers are installed at the first boot, which takes a few extra minutes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The portable engine writes the new image here; the boot and network drivers you add go into it, packages and your other drivers are installed at the first boot, which takes a few extra minutes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Windows engine edits a copy of the image with DISM; packages and updates are added offline.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Windows engine edits a copy of the image with DISM; packages are added offline.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SummaryPage</name>
    <message>
        <source>Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the build, then press Build.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B&amp;uild</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Summary of the build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The same build with Microsoft&apos;s New-NanoServerImage:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save recipe…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the edit, then press Build.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Summary of the edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The same edit with Microsoft&apos;s Edit-NanoServerImage (on a copy):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The recipe never contains the password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the plan with the {0} engine…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the recipe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NanoStudio recipes (*.toml)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved to {0} (without the password).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TargetPage</name>
    <message>
        <source>Where will this server run?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The choice sets the drivers and the disk format; you can adjust them below.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Targets not available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deployment and drivers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Guest: a Hyper-V virtual machine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Host: hardware or another hypervisor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Deployment type:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;OEM drivers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drivers:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Basic drivers for common storage controllers and network adapters, such as the Intel adapter VirtualBox, VMware and QEMU emulate. Not allowed in a Hyper-V (Guest) image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;VirtualBox drivers and VHD disk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prepares the image for VirtualBox: a VHD disk (VirtualBox cannot write to VHDX) and the OEM drivers for its Intel adapter. Enable EFI in the VM settings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OEM drivers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VirtualBox drivers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hyper-V (Generation &amp;2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hyper-V (Generation &amp;1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>V&amp;irtualBox</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VM&amp;ware</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;KVM / QEMU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Physical machine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading which drivers the media offers…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not available with the {0} engine:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The media&apos;s drivers could not be read: {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Targets</name>
    <message>
        <source>A Generation 2 VM boots UEFI from a VHDX on a SCSI controller with a synthetic network adapter: the Guest package has the drivers for both.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A Generation 1 VM boots BIOS from a VHD. Prefer Generation 2 unless the host is older than Windows Server 2012 R2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VirtualBox cannot write to a VHDX, so the disk is a VHD. Its Intel network adapter needs the OEM drivers. Enable EFI in the VM&apos;s System settings: the disk is a UEFI (GPT) disk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VMware is not Hyper-V: the image needs the Host package and the OEM drivers (for the e1000 adapter). Convert the disk to VMDK and use UEFI firmware.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QEMU reads VHDX directly. Use OVMF (UEFI) firmware, a SATA (AHCI) disk and an e1000 adapter: Nano Server has no virtio drivers, the OEM drivers cover these.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Real hardware needs the Host package and the OEM drivers; add the vendor&apos;s network and storage drivers on the Drivers page if they are newer.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UpdatesPage</name>
    <message>
        <source>Updates and files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Optional: cumulative and servicing stack updates (.msu or .cab from the Microsoft Update Catalog), and files or folders to put into the image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updates (servicing packages)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add &amp;update…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;move update</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Servicing stack updates are installed first, whatever their order here. The Windows engine adds the updates to the image offline with DISM. The portable engine cannot: it puts them in the image and installs them at FIRST BOOT (dism /online), after the role packages, so the first start takes longer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files and folders to copy into the image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder in the image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files to copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add &amp;file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add f&amp;older…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C:\ (the root), or e.g. Tools</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder in the &amp;image for the selected item: C:\</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose updates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updates (*.msu *.cab);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a folder to copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose files to copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not usable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} in {1} file(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is copied into the image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} to copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, on a disk of at most {0} (Output page)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Validation</name>
    <message>
        <source>the Windows engine needs Windows with DISM, run as administrator: choose Automatic or Portable on this machine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a Hyper-V Generation 1 VM boots with BIOS, but the portable engine writes UEFI disks only: choose Hyper-V Generation 2, or build on Windows with the Windows engine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the media has not been read yet: choose it again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the image has not been read yet: choose it again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the two passwords differ: type the same password twice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>enter the static address, e.g. {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} is a folder: name a file such as {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} already exists: choose another name or delete it</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>VmCommands</name>
    <message>
        <source>WinRM is forwarded from {0} on this computer to the VM.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Intel PRO/1000 MT adapter (82540EM) is the one the OEM drivers support.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>EFI is switched on because the disk is a UEFI (GPT) disk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The host-only network must be in the same subnet as the static address (VirtualBox&apos;s default host-only network is {0}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run in an elevated PowerShell on the Hyper-V host, with the disk copied there (change the path if it differs).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An Internal switch has no DHCP: use a static address, or a switch with DHCP such as {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nano Server has no virtio drivers: the disk is on SATA (AHCI) and the adapter is an e1000, both covered by the OEM drivers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VMware does not open VHD/VHDX files: the first command converts the disk to VMDK.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Then open the .vmx file in VMware Workstation or Player.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This boots the machine from the disk file (native VHD boot): the machine must already run Windows and boot in UEFI mode for a UEFI disk.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>VmList</name>
    <message>
        <source>VM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hypervisor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WinRM at</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remembered VMs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your VMs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0}: {1}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} {1}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>VmPanel</name>
    <message>
        <source>&amp;Start VM and connect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop &amp;waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow NanoStudio to create a host network for the VM if none fits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creates the VM {0} with {1}, starts it and waits until it answers, then opens the console. First boot takes minutes and restarts once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating and starting the VM…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} runs; WinRM at {1}. Waiting for it to answer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The VM could not be started: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped waiting. The VM keeps running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} Opening the console…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to NanoStudio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build a bootable Windows Server 2016 Nano Server disk from the ISO alone: no ADK, no PowerShell module, no guessing which drivers a VM needs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ne&amp;w image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the media, where the server will run, roles, name and network.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open a saved recipe…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start from a recipe saved earlier; you type the password again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit an existing image…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add packages, drivers, updates, files, a domain blob or network settings to a VHD, VHDX or WIM; the result is a new file, the original is only read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Import a New-NanoServerImage script…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start from a PowerShell script, such as the one Image Builder saves; parameters NanoStudio cannot use are listed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Connect to a running Nano Server…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a remote PowerShell console on a server that is already running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The remote console is not part of this build.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NanoStudio needs only the Windows Server 2016 ISO (or its NanoServer folder). Nothing on your computer is changed outside the output file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the image to edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nano Server images (*.vhdx *.vhd *.wim);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a recipe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NanoStudio recipes (*.toml);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import a New-NanoServerImage script</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PowerShell scripts (*.ps1 *.txt);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not everything could be imported</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} parameter(s) of {1} in {2} have no place in NanoStudio:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
