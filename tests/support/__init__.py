"""What the tests run against: the loopback WinRM server, FAKE Windows and hypervisor
executables replaying recorded output, and the shared media and WinRM fixtures."""
