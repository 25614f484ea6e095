"""The portable engine: builds a bootable GPT disk with no root and no Windows tools."""
